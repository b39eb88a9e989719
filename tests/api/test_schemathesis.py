"""Schemathesis over every operation of the OpenAPI document, in-process against the app (issue 15).

The document must be exactly as strict as the code: a bounded, deterministic run per operation, each request sent
with the token of the integration account and of an agent, and again at a real object (a contact the agent holds,
an offer made to the agent, a task of the agent's team, an appointment, a visitor in the lobby), so the handover and
task operations are reached and not only their 404s. Every response must be no server error, have a documented
status code, content type and body; data the document calls invalid must be refused, and data it calls valid must
not be refused as invalid (a 422 for it means the document is looser than the code).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import schemathesis
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.pytest.lazy import get_all_tests
from sqlalchemy import select

from kcc.api.openapi import document
from kcc.core.timeutil import local, utcnow
from kcc.models import Staff, Team
from tests.lobby.test_lobby import counter_open  # noqa: F401  (fixture)

MAX_EXAMPLES = 25  # Hypothesis examples per operation in the fuzzing phase (the examples and coverage phases add
# their own); each case is sent 2-4 times: with both tokens, and again at the real object
STORY = {"summary": "Mevrouw (82) is gevallen, kan niet meer zelf douchen; dochter belt namens haar.",
         "done": "Adres en telefoon gecontroleerd.", "promised": "Vandaag nog contact van een Wmo-consulent."}

CONFIG = schemathesis.Config.from_dict({
    "seed": 15,
    "suppress-health-check": ["too_slow"],  # a busy CI machine is no failure; the other health checks hold
    # the tokens are ours (two roles), so no Authorization header is generated; Hypothesis without its example
    # database and derandomised: the same cases on every run, in CI as here
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none",
                   "no-shrink": True, "with-security-parameters": False},
    "phases": {"stateful": {"enabled": False}},
    "checks": {
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
        "response_headers_conformance": {"enabled": True},
        "negative_data_rejection": {"enabled": True},  # the document is not stricter than the code
        "positive_data_acceptance": {"enabled": False},  # in its place: valid_data_is_accepted, below
    },
})

# What a request the document calls valid may still be refused for (422, naming these fields): rules that depend on
# the data, the clock or another field in a way JSON Schema does not say. Anything else a 422 names for valid data
# means the document is looser than the code.
NOT_IN_THE_DOCUMENT = {
    "POST /contacts": {"domain", "topic",  # a domain that exists; a topic of that domain (and with it)
                       "language",  # a real ISO 639-1 code
                       "citizen.phone", "citizen.email",  # a real phone number, an address
                       "feedback"},  # a question afterwards needs citizen.email
    "POST /contacts/{id}/handover": {"to.staff", "to.team",  # a colleague (not oneself), a team that exists
                                     "context.summary"},  # 20 characters with runs of white space as one
    "PUT /me/presence": {"desk"},  # a desk that exists and is free
    "POST /appointments": {"date", "time",  # a real day, ahead, within a year, the counter open then
                           "topic", "email"},  # a counter topic that exists; an address
    "POST /lobby/waiting/{id}/domain": {"domain"},  # a domain that exists, another than the visitor's
    "POST /lobby/check-in": {"code", "language"},  # a code of the code alphabet; a real language
    "GET /indicators": {"to"},  # from 'from' up to 366 days later
}
LINE = re.compile(r"line [0-9]+")  # POST /appointments/import: a CSV file's rows are checked as bookings


def valid_data_is_accepted(ctx, response, case) -> None:
    """schemathesis' positive_data_acceptance, with the rules of NOT_IN_THE_DOCUMENT: valid data is not refused."""
    if case.meta is None or not case.meta.generation.mode.is_positive or case.method.upper() != case.operation.method.upper():
        return None  # invalid data, or a method the path does not have (405, with Allow)
    status = response.status_code
    if status < 300 or status in (401, 403, 404, 409):  # the state of the object or the caller's rights
        return None
    if status == 422:
        fields = set((response.json().get("error") or {}).get("fields") or {})
        allowed = NOT_IN_THE_DOCUMENT.get(case.operation.label, set())
        if case.operation.label == "POST /appointments/import":
            allowed = allowed | {name for name in fields if LINE.fullmatch(name)}
        if fields and fields <= allowed:
            return None
    raise AssertionError(f"Valid data was refused with {status}: {response.text[:500]}")


@dataclass
class World:
    """What the run starts from: two tokens and the real objects that the operations with an id are sent to."""
    tokens: dict[str, str]
    ids: dict[str, object] = field(default_factory=dict)

    def real_id(self, path: str) -> object | None:
        for prefix, value in self.ids.items():
            if re.match(prefix, path):
                return value
        return None


def _join_team(session, caller, slug: str) -> None:
    staff = session.get(Staff, caller.staff.id)
    staff.teams.append(session.scalar(select(Team).where(Team.slug == slug)))
    session.commit()


def _ok(response, status: int = 200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def world(api, telefonie, session, counter_open) -> World:  # noqa: F811
    """A contact made by the integration account and claimed by the agent (Anna), an offer to Anna from a colleague,
    a callback task of Anna's team, an appointment and a lobby visitor."""
    anna = api("anna", skills=[("sociaal", "primary"), ("burgerzaken", "secondary")])
    _join_team(session, anna, "wmo-consulenten")
    bram, carla = (api(name, skills=[("sociaal", "primary")]) for name in ("bram", "carla"))

    def claimed(caller) -> int:
        """A new phone contact, taken by this caller (the longest idle goes first: only they are available)."""
        _ok(caller.put("/me/presence", json={"state": "available"}))
        _ok(telefonie.post("/contacts", json={"channel": "phone", "question": "", "domain": "sociaal",
                                              "topic": "huishoudelijke-hulp",
                                              "citizen": {"name": "Els", "email": "els@example.nl"}}), 201)
        return _ok(caller.post("/me/next"))["id"]

    carla_contact = claimed(carla)  # handed to Anna's team and declined there, so it becomes a callback task
    offer = _ok(carla.post(f"/contacts/{carla_contact}/handover", json={"to": {"team": "wmo-consulenten"},
                                                                         "context": STORY}), 201)
    task = _ok(anna.post(f"/handovers/{offer['handover']['id']}/decline", json={"reason": "Geen tijd vandaag"}))["task"]
    _ok(carla.put("/me/presence", json={"state": "offline"}))
    bram_contact = claimed(bram)  # offered to Anna, who may accept or decline it
    to_anna = _ok(bram.post(f"/contacts/{bram_contact}/handover", json={"to": {"staff": anna.staff.id},
                                                                        "context": STORY}), 201)["handover"]
    _ok(bram.put("/me/presence", json={"state": "offline"}))
    held = claimed(anna)  # Anna's own, in progress
    visitor = _ok(telefonie.post("/contacts", json={"channel": "counter", "question": "", "domain": "burgerzaken",
                                                     "topic": "paspoort"}), 201)["id"]  # waiting in the lobby
    day = (local(utcnow()).date() + timedelta(days=1)).isoformat()
    appointment = _ok(anna.post("/appointments", json={"date": day, "time": "10:30", "topic": "burgerzaken/paspoort",
                                                       "name": "Anna", "email": "anna@example.nl"}), 201)
    return World(tokens={"integration": telefonie.token, "agent": anna.token},
                 ids={r"^/contacts/": held, r"^/handovers/": to_anna["id"], r"^/tasks/": task["id"],
                      r"^/appointments/": appointment["id"], r"^/lobby/(waiting|no-shows)/": visitor,
                      r"^/lobby/appointments/": appointment["code"]})


def test_every_operation_keeps_to_the_openapi_document(app, world):
    """Each operation's generated cases (explicit examples, coverage of the boundaries, then fuzzing; valid and
    invalid data), every failure of every operation reported together."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    sent: dict[str, Counter] = defaultdict(Counter)  # operation → status → requests

    def call(case) -> None:
        for token in world.tokens.values():
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            sent[case.operation.label][response.status_code] += 1
            case.validate_response(response, headers={"Authorization": f"Bearer {token}"},
                                   additional_checks=[valid_data_is_accepted])

    def send(case) -> None:
        """The case with each token; then, unless its id is the invalid part, at the real object of its kind."""
        call(case)
        real = world.real_id(case.operation.path)
        if real is not None and case.path_parameters and not case.meta.is_negative_at(ParameterLocation.PATH):
            name = next(iter(case.path_parameters))
            case.path_parameters = {**case.path_parameters, name: real}
            call(case)

    failures: dict[str, str] = {}
    # schemathesis.pytest's own parametrize cannot run under pytest 9.2 (it sets a node's _nodeid, gone there), so
    # the same per-operation Hypothesis tests that it builds are run here one after another
    for result in get_all_tests(schema=schema, test_func=send, settings=None, given_kwargs=None):
        if not isinstance(result, Ok):
            failures[str(result.err().label)] = str(result.err())
            continue
        operation, test = result.ok()
        try:
            test()
        except (Exception, FailureGroup) as error:  # each operation's failures are collected, then all reported
            failures[operation.label] = str(error)
    print(f"\nschemathesis {schemathesis.__version__}: {len(sent)} operations, "
          f"{sum(n for statuses in sent.values() for n in statuses.values())} requests, {len(failures)} failing")
    for label, statuses in sorted(sent.items()):
        print(f"  {label}: " + ", ".join(f"{status}×{n}" for status, n in sorted(statuses.items())))
    assert not failures, "\n\n".join(f"=== {label}\n{text}" for label, text in sorted(failures.items()))
    # every operation was reached; schemathesis leaves out the one that served it the document (tests/api/test_openapi.py)
    assert sent.keys() == {f"{method.upper()} {path}" for path, item in document()["paths"].items()
                           for method in item} - {"GET /openapi.json"}
