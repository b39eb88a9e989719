"""docs/api.md documents exactly the operations of the OpenAPI document, each with every status code it declares."""
import re
from pathlib import Path

from kcc.api.openapi import document

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
HEADING = re.compile(r"^### (GET|POST|PUT|PATCH|DELETE) (/\S*)\s*$")
STATUS_ITEM = re.compile(r"^- (\d{3})\b")  # "- 404 — no contact with this id." in an operation's status list


def _sections() -> dict[tuple[str, str], list[str]]:
    """Each `### METHOD /path` heading with its lines, up to the next heading of level 3 or higher."""
    sections: dict[tuple[str, str], list[str]] = {}
    current = None
    for line in API_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith(("# ", "## ", "### ")):
            match = HEADING.match(line)
            current = (match.group(1), match.group(2)) if match else None
            if current is not None:
                assert current not in sections, f"{current[0]} {current[1]} has two sections in docs/api.md"
                sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return sections


def _operations() -> dict[tuple[str, str], set[str]]:
    """(METHOD, path) → the status codes the OpenAPI document declares for it."""
    return {(method.upper(), path): set(operation["responses"])
            for path, item in document()["paths"].items() for method, operation in item.items()}


def test_the_api_doc_has_one_section_per_operation_of_the_openapi_document():
    operations = set(_operations())
    documented = set(_sections())
    assert operations, "the OpenAPI document lists no operations"
    assert documented == operations, (f"missing in docs/api.md: {sorted(operations - documented)}; "
                                      f"not in the OpenAPI document: {sorted(documented - operations)}")


def test_each_operation_section_lists_every_status_code_the_openapi_document_declares():
    sections = _sections()
    missing = {}
    for operation, codes in _operations().items():
        listed = {match.group(1) for line in sections.get(operation, []) if (match := STATUS_ITEM.match(line))}
        if codes - listed:
            missing[" ".join(operation)] = sorted(codes - listed)
    assert not missing, f"status codes not listed as '- CODE — …' in their section of docs/api.md: {missing}"
