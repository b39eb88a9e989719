"""The OpenAPI document is true: every API route is in it with its methods, and nothing else is."""
import re

from kcc.api.openapi import document


def _routes(app):
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{id}" if m[1].endswith("id") else "{" + m[1] + "}",
                      rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((path, method.lower()))
    return found


def test_the_document_lists_exactly_the_routes_the_app_serves(app):
    documented = {(path, method) for path, item in document()["paths"].items() for method in item}
    assert documented == _routes(app)


def test_every_reference_in_the_document_resolves():
    doc = document()

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(doc):
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert target, ref


def test_the_document_is_served_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"] == "3.1.0"
    assert "/me/next" in response.get_json()["paths"]
