"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json; a test keeps it equal to the routes."""
from __future__ import annotations

from typing import Any

from kcc.web.input import MAX_ID

SLUG = {"type": "string", "pattern": "^[a-z0-9-]+$"}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_SLUG = {"type": ["string", "null"]}

# Text in a request: no control character but tab, newline and carriage return (kcc.web.input refuses the others
# with a 422 naming the field); FILLED: with something besides white space, where the code strips and then
# requires text. Lengths are those of the code's checks (counted after stripping, so a padded text may be longer).
_CONTROL = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f"
PLAIN = f"^[^{_CONTROL}]*$"
FILLED = f"^[^{_CONTROL}]*[^\\s{_CONTROL}][^{_CONTROL}]*$"
MAX_TEXT = 4000  # kcc.core.errors.MAX_TEXT: a note, a handover story


def _text(max_length: int | None = None, *, filled: bool = False, nullable: bool = False, **more: Any) -> dict:
    """A text field of a request body; nullable: null is taken as absent (empty)."""
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string", "pattern": FILLED if filled else PLAIN}
    if max_length is not None:
        schema["maxLength"] = max_length
    return {**schema, **more}


def _query(schema: dict, description: str) -> dict:
    """A query parameter's schema: an empty value (`?team=`) is taken as not given."""
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}], "description": description}


# A day in a query or a booking: YYYY-MM-DD of the years 2000-2999 (the code reads no other year)
DAY = {"type": "string", "format": "date", "pattern": "^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"}
# ?available= of GET /staff: true, 1 or yes lists only those available; false, 0 or no (or nothing) everyone
FLAG = {"type": "string", "pattern": "^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy][Ee][Ss]|[Nn][Oo]|1|0)$"}
BOOKING_DAY = {"type": "string", "description": "2026-12-01, or as people write it: 1-12-2026, 1/12/2026",
               "pattern": "^\\s*(?:2[0-9]{3}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}-[0-9]{1,2}-2[0-9]{3}|"
                          "[0-9]{1,2}/[0-9]{1,2}/2[0-9]{3})\\s*$"}
BOOKING_TIME = {"type": "string", "description": "10:30 or 10.30", "pattern": "^\\s*(?:[01]?[0-9]|2[0-3])[:.][0-5][0-9]\\s*$"}
# A call that takes no fields: no body, or an empty object
NO_FIELDS = {"required": False, "content": {"application/json": {"schema": {"type": "object",
                                                                             "additionalProperties": False}}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _out(properties: dict, *, closed: bool = True, **more: Any) -> dict:
    """An object the API answers with: every one of these fields, always (null where the type says so), and no
    other. Not closed: a part of an allOf (the whole closes with unevaluatedProperties)."""
    schema = {"type": "object", "required": list(properties), "properties": properties, **more}
    return {**schema, "additionalProperties": False} if closed else schema


def _all(*parts: dict) -> dict:
    """The fields of all these parts, and no other."""
    return {"allOf": list(parts), "unevaluatedProperties": False}


PERSON = _out({"id": {"type": "integer"}, "name": {"type": "string"}})


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {status: {"$ref": f"#/components/responses/{name}"} for status, name in
          (("400", "BadRequest"), ("401", "Unauthorized"), ("403", "Forbidden"), ("404", "NotFound"),
           ("409", "Conflict"), ("422", "ValidationFailed"))}


def _errors(*statuses: str) -> dict:
    return {status: ERRORS[status] for status in ("401", "403", *statuses)}


def _body(schema: dict, required: bool = True, example: dict | None = None) -> dict:
    media: dict[str, Any] = {"schema": schema} if example is None else {"schema": schema, "example": example}
    return {"required": required, "content": {"application/json": media}}


COUNT = {"type": "integer", "minimum": 0}
SECONDS = {"type": ["integer", "null"], "minimum": 0}  # null: nobody to measure


def _about(schema: dict, text: str) -> dict:
    return {**schema, "description": text}


# the lobby's times: how many visitors each is taken over, the mean and the 90th percentile (nearest rank)
LOBBY_TIMES = {
    "called": _about(COUNT, "Visitors called to a desk; the waiting time is taken over them"),
    "wait_mean_s": _about(SECONDS, "Mean seconds from the ticket to the call to a desk"),
    "wait_p90_s": _about(SECONDS, "9 of 10 called visitors waited no longer than this (seconds)"),
    "served": _about(COUNT, "Visitors helped at the desk; the service time is taken over them"),
    "service_mean_s": _about(SECONDS, "Mean seconds from sitting down at the desk to the end of the contact"),
    "service_p90_s": _about(SECONDS, "9 of 10 served visitors took no longer than this (seconds)")}
LOBBY_COUNTS = {
    "no_shows": "Called, never came to the desk",
    "left_before_turn": "Went home before they were called",
    "turned_away_missing": "Sent home at the door: something to bring was missing",
    "turned_away_not_at_counter": "Sent home at the door: the counter does not handle the topic",
    "turned_away_closed": "Sent home at the door: the counter was closed"}

# an id beyond the database's integer (MAX_ID, 2^31 - 1) matches no route: 404, as an unknown id
CONTACT_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}}]

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "additionalProperties": False, "properties": {"error": {
        "type": "object", "required": ["code", "message", "fields"], "additionalProperties": False, "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            # the contact in the way, on a 409 of me/next while one is in progress
            "contact": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}}}}},
    "ContactIn": {"type": "object", "additionalProperties": False, "required": ["channel"], "properties": {
        "channel": {"enum": ["phone", "counter", "web", "email"]},
        "question": _text(2000, nullable=True),
        "domain": _text(40, nullable=True, description="A domain's slug: the choice already made"),
        "topic": _text(60, nullable=True, description="A topic's slug, of `domain` (required with a topic)"),
        "language": _text(8, nullable=True, description="An ISO 639-1 code; empty or null: nl"),
        "citizen": {"type": ["object", "null"], "additionalProperties": False, "properties": {
            "name": _text(150, nullable=True), "phone": _text(254, nullable=True),
            "email": _text(254, nullable=True)}},
        "external_ref": _text(100, nullable=True),
        "feedback": {"type": "boolean", "description": "One question afterwards by e-mail: needs citizen.email"}},
        # a question, unless a phone or counter contact arrives with its domain chosen
        "anyOf": [{"required": ["question"], "properties": {"question": _text(filled=True)}},
                  {"required": ["channel", "domain"], "properties": {"channel": {"enum": ["phone", "counter"]},
                                                                     "domain": _text(filled=True)}}]},
    "Visitor": _out({
        "id": {"type": "integer"}, "ticket": {"type": "string"}, "domain": SLUG, "topic": {"type": ["string", "null"]},
        "name": {"type": ["string", "null"]}, "note": {"type": "string"},
        "needs": {"type": "array", "items": {"enum": ["interpreter", "wheelchair", "reading"]}},
        "waited_s": {"type": "integer"}, "attention": {"type": "boolean"},
        "moved_forward": {"type": ["string", "null"]}}),
    "AppointmentFields": _out({
        "id": {"type": "integer"}, "code": {"type": "string", "pattern": "^[A-Z0-9]{3}-[A-Z0-9]{3}$"},
        "domain": SLUG, "topic": SLUG, "starts_at": TIME, "name": {"type": "string"},
        "email": {"type": ["string", "null"]}, "note": {"type": "string"},
        "status": {"enum": ["booked", "checked_in", "cancelled"]}, "source": {"enum": ["staff", "import", "api", "demo"]},
        "checked_in_at": {"type": ["string", "null"], "format": "date-time"},
        "contact_id": {"type": ["integer", "null"]}, "ticket": {"type": ["string", "null"]}}, closed=False),
    "Appointment": _all(_ref("AppointmentFields")),
    "VisitorState": _out({
        "id": {"type": "integer"}, "ticket": {"type": "string"},
        "status": {"enum": ["waiting", "abandoned", "in_progress"]}, "domain": NULLABLE_SLUG}),
    "ContactSummaryFields": _out({
        "id": {"type": "integer"},
        "status": {"enum": ["waiting", "in_progress", "handover_offered", "resolved", "callback_scheduled", "abandoned"]},
        "channel": {"enum": ["phone", "counter", "web", "email"]},
        "domain": NULLABLE_SLUG, "topic": NULLABLE_SLUG, "language": {"type": "string"}}, closed=False),
    "ContactSummary": _all(_ref("ContactSummaryFields")),
    "ContactCreated": _all(_ref("ContactSummaryFields"), _out({
        "routing": _out({"domain": SLUG, "topic": NULLABLE_SLUG, "confidence": {"type": ["number", "null"]},
                         "method": {"enum": ["choice", "router", "fallback"]}}),
        "ticket": {"type": ["string", "null"]}, "position": {"type": ["integer", "null"]},
        "estimated_wait_s": {"type": ["integer", "null"]}, "repeat": {"type": "boolean"}}, closed=False)),
    "ContactFields": _out({
        "owner": {"oneOf": [{"type": "null"}, PERSON]}, "created_at": TIME,
        "events": {"type": "array", "items": _out({"at": TIME, "type": {"type": "string"},
                                                   "actor": {"type": ["string", "null"]}})}}, closed=False),
    "Contact": _all(_ref("ContactSummaryFields"), _ref("ContactFields")),
    "ContactForHandling": _all(_ref("ContactSummaryFields"), _ref("ContactFields"), _out({
        "question": {"type": "string"}, "ticket": {"type": ["string", "null"]}, "repeat": {"type": "boolean"},
        "citizen": {"oneOf": [{"type": "null"}, _out({"name": {"type": ["string", "null"]},
                                                     "phone": {"type": ["string", "null"]},
                                                     "email": {"type": ["string", "null"]}})]}}, closed=False)),
    "Guess": _out({"domain": SLUG, "topic": NULLABLE_SLUG, "confidence": {"type": "number"}}),
    "Skill": _out({"domain": SLUG, "level": {"enum": ["primary", "secondary"]}}),
    "Presence": {"enum": ["available", "busy", "paused", "offline"]},
    "Handover": _out({
        "id": {"type": "integer"}, "status": {"enum": ["offered", "accepted", "declined", "expired"]},
        "expires_at": TIME, "contact_id": {"type": "integer"}, "from": PERSON,
        "to": {"oneOf": [_out({"staff": {"type": "integer"}}), _out({"team": SLUG})]},
        "context": _out({"summary": {"type": "string"}, "done": {"type": "string"}, "promised": {"type": "string"}})}),
    "LobbyHour": {"type": "object", "required": ["hour", "visitors", *LOBBY_TIMES], "additionalProperties": False,
                  "properties": {"hour": {"type": "integer", "minimum": 0, "maximum": 23,
                                          "description": "The Amsterdam hour of the ticket: 9 is 09:00-10:00"},
                                 "visitors": COUNT,
                                 **LOBBY_TIMES}},
    "LobbyDomain": {"type": "object", "additionalProperties": False,
                    "required": ["domain", "visitors", *LOBBY_TIMES, *LOBBY_COUNTS, "hours"],
                    "properties": {"domain": SLUG, "visitors": _about(COUNT, "Visitors given a ticket"),
                                   **LOBBY_TIMES,
                                   **{name: _about(COUNT, text) for name, text in LOBBY_COUNTS.items()},
                                   "hours": {"type": "array", "items": _ref("LobbyHour")}}},
    "Task": _out({
        "id": {"type": "integer"}, "contact_id": {"type": "integer"}, "team": SLUG,
        "owner": {"oneOf": [{"type": "null"}, PERSON]}, "deadline": TIME, "state": {"enum": ["open", "done"]},
        "urgency": {"oneOf": [{"type": "null"}, _out({"level": {"enum": ["ok", "soon", "overdue"]},
                                                      "label": {"type": "string"}})],
                    "description": "null once done"},
        "attempts": {"type": "array", "items": _out({"at": TIME, "reached": {"type": "boolean"},
                                                     "note": {"type": "string"},
                                                     "by": {"type": ["string", "null"]}})}}),
}

PATHS: dict[str, Any] = {
    "/contacts": {"post": {
        "summary": "A contact arrives (telephony platform, lobby, employee)", "operationId": "createContact",
        "requestBody": _body(_ref("ContactIn")),
        "responses": {"201": _json(_ref("ContactCreated"), "Created, routed and queued"),
                      "200": _json(_ref("ContactCreated"), "This external_ref arrived before: the same contact"),
                      **_errors("400", "422")}}},
    "/contacts/{id}": {"get": {
        "summary": "A contact with its timeline", "operationId": "getContact", "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("Contact"), "The contact"), **_errors("404")}}},
    "/contacts/{id}/abandon": {"post": {
        "summary": "The caller hung up while waiting", "operationId": "abandonContact", "parameters": CONTACT_ID,
        "requestBody": NO_FIELDS,
        "responses": {"200": _json(_ref("ContactSummary"), "Abandoned"),
                      **_errors("400", "404", "409", "422")}}},
    "/contacts/{id}/resolve": {"post": {
        "summary": "Close a contact: answered, or warmly referred to another organisation",
        "operationId": "resolveContact", "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["outcome"], "properties": {
            "outcome": {"enum": ["answered", "referred_external"]}, "note": _text(MAX_TEXT, nullable=True),
            "referred_to": _text(1000, nullable=True, description="Required for referred_external")},
            "anyOf": [{"properties": {"outcome": {"const": "answered"}}},
                      {"required": ["referred_to"], "properties": {"referred_to": _text(filled=True)}}]}),
        "responses": {"200": _json(_ref("ContactSummary"), "Resolved"), **_errors("400", "404", "409", "422")}}},
    "/route": {"post": {
        "summary": "Which domain and topic a question is about", "operationId": "route",
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["question"],
                              "properties": {"question": _text(2000, filled=True)}}),
        "responses": {"200": _json(_out({
            "domain": SLUG, "topic": NULLABLE_SLUG, "confidence": {"type": "number"},
            "alternatives": {"type": "array", "maxItems": 3, "items": _ref("Guess")}}), "The routing"),
            **_errors("400", "422")}}},
    "/queues": {"get": {
        "summary": "Waiting, longest wait, staff available and service level per domain", "operationId": "queues",
        "responses": {"200": _json(_out({"queues": {"type": "array", "items": _out({
            "domain": SLUG, "waiting": COUNT, "longest_wait_s": COUNT, "staff_available": COUNT,
            "service_level_today": {"type": ["number", "null"]}})}}), "The queues"), **_errors()}}},
    "/lobby/display": {"get": {
        "summary": "The waiting-room screen: tickets called to a desk, visitors waiting per domain (no personal data)",
        "operationId": "lobbyDisplay",
        "responses": {"200": _json(_out({
            "called": {"type": "array", "items": _out({"ticket": {"type": "string"}, "desk": {"type": "string"},
                                                       "at": TIME})},
            "waiting": {"type": "object", "additionalProperties": COUNT}}), "The screen"),
            **_errors()}}},
    "/contacts/{id}/recall": {"post": {
        "summary": "Call the same lobby visitor again: the display shows the ticket on top again",
        "operationId": "recallVisitor", "requestBody": NO_FIELDS, "parameters": CONTACT_ID,
        "responses": {"200": _json(_all(_ref("ContactSummaryFields"), _out({
            "ticket": {"type": "string"}, "calls": {"type": "integer"}, "max_calls": {"type": "integer"}}, closed=False)),
            "Called again"), **_errors("400", "404", "409", "422")}}},
    "/contacts/{id}/no-show": {"post": {
        "summary": "The called visitor did not come: abandoned, and the desk is free for the next",
        "operationId": "visitorNoShow", "requestBody": NO_FIELDS, "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("ContactSummary"), "Marked as not there"),
                      **_errors("400", "404", "409", "422")}}},
    "/contacts/{id}/start": {"post": {
        "summary": "The called visitor sits down at the desk", "operationId": "startVisitor",
        "requestBody": NO_FIELDS,
        "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("ContactSummary"), "Started"), **_errors("400", "404", "409", "422")}}},
    "/lobby/call": {"post": {
        "summary": "Call one ticket out of turn, with the reason", "operationId": "callTicket",
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["ticket", "reason"],
                              "properties": {"ticket": _text(filled=True),
                                             "reason": _text(300, filled=True)}}),
        "responses": {"200": _json(_ref("ContactForHandling"), "The visitor, now called to the caller's desk"),
                      **_errors("400", "409", "422")}}},
    "/lobby/waiting": {"get": {
        "summary": "The host's list: today's visitors waiting, no-shows, staffed desks", "operationId": "lobbyWaiting",
        "responses": {"200": _json(_out({
            "visitors": {"type": "array", "items": _ref("Visitor")},
            "no_shows": {"type": "array", "items": _out({
                "id": {"type": "integer"}, "ticket": {"type": "string"}, "domain": {"type": "string"}, "at": TIME})},
            "desks": {"type": "array", "items": _out({
                "desk": {"type": "string"}, "label": {"type": "string"}, "name": {"type": "string"},
                "state": {"enum": ["available", "busy", "paused", "offline"]}})}}), "The list"), **_errors()}}},
    "/lobby/waiting/{id}/visited": {"post": {
        "summary": "The host went over to a waiting visitor (coffee, an update)", "operationId": "visitorVisited",
        "requestBody": NO_FIELDS,
        "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("VisitorState"), "Noted"), **_errors("400", "404", "409", "422")}}},
    "/lobby/waiting/{id}/forward": {"post": {
        "summary": "Move a waiting visitor to the front of their domain's queue, with the reason",
        "operationId": "visitorForward", "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["reason"],
                              "properties": {"reason": _text(300, filled=True)}}),
        "responses": {"200": _json(_ref("VisitorState"), "Moved"), **_errors("400", "404", "409", "422")}}},
    "/lobby/waiting/{id}/domain": {"post": {
        "summary": "Move a waiting visitor to another domain, keeping their place and history",
        "operationId": "visitorDomain", "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["domain"],
                              "properties": {"domain": _text(filled=True)}}),
        "responses": {"200": _json(_ref("VisitorState"), "Moved"), **_errors("400", "404", "409", "422")}}},
    "/lobby/waiting/{id}/left": {"post": {
        "summary": "A waiting visitor went home before their turn", "operationId": "visitorLeft",
        "requestBody": NO_FIELDS,
        "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("VisitorState"), "Out of the queue"), **_errors("400", "404", "409", "422")}}},
    "/lobby/no-shows/{id}/undo": {"post": {
        "summary": "A visitor marked as not there was there after all: back in the queue at their place",
        "operationId": "undoNoShow", "requestBody": NO_FIELDS, "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("VisitorState"), "Waiting again"), **_errors("400", "404", "409", "422")}}},
    "/appointments": {
        "get": {
            "summary": "One day of the counter agenda, in time order", "operationId": "listAppointments",
            "parameters": [{"name": "date", "in": "query", "schema": _query(DAY, "The day; default today")},
                           {"name": "domain", "in": "query", "schema": _query(SLUG, "Only this domain")}],
            "responses": {"200": _json(_out({
                "date": {"type": "string", "format": "date"},
                "appointments": {"type": "array", "items": _ref("Appointment")}}), "The day"),
                **_errors("404", "422")}},
        "post": {
            "summary": "Book an appointment; the confirmation with its check-in code is mailed",
            "operationId": "bookAppointment",
            "requestBody": _body({"type": "object", "additionalProperties": False,
                                  "required": ["date", "time", "topic", "name"], "properties": {
                                      "date": BOOKING_DAY, "time": BOOKING_TIME,
                                      "topic": _text(filled=True),
                                      "name": _text(150, filled=True),
                                      "email": _text(254, nullable=True), "note": _text(500, nullable=True)}}),
            "responses": {"201": _json(_ref("Appointment"), "Booked"), **_errors("400", "422")}}},
    "/appointments/{id}": {"get": {
        "summary": "One appointment", "operationId": "getAppointment", "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("Appointment"), "The appointment"), **_errors("404")}}},
    "/appointments/{id}/cancel": {"post": {
        "summary": "Cancel a booked appointment", "operationId": "cancelAppointment", "parameters": CONTACT_ID,
        "requestBody": NO_FIELDS,
        "responses": {"200": _json(_ref("Appointment"), "Cancelled"), **_errors("400", "404", "409", "422")}}},
    "/appointments/import": {"post": {
        "summary": "Book every row of a CSV file, or none: every bad row is named by its line",
        "operationId": "importAppointments",
        "parameters": [{"name": "date", "in": "query", "schema": _query(DAY, "The day of a file without a date column")}],
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}},
        "responses": {"201": _json(_out({
            "imported": COUNT, "appointments": {"type": "array", "items": _ref("Appointment")}}), "Booked"),
            **_errors("422")}}},
    "/lobby/appointments/{code}": {"get": {
        "summary": "Today's appointment by its check-in code: arrival and what to bring, before a ticket",
        "operationId": "appointmentByCode",
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 20}}],
        "responses": {"200": _json(_all(_ref("AppointmentFields"), _out({
            "arrival": {"enum": ["on_time", "early", "late"]}, "arrival_minutes": COUNT,
            "prerequisites": {"type": "array", "items": {"type": "string"}}}, closed=False)), "The appointment"),
            **_errors("404", "409", "422")}}},
    "/lobby/check-in": {"post": {
        "summary": "Check an appointment in by its code: one ticket", "operationId": "checkInAppointment",
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["code"], "properties": {
            "code": _text(20, filled=True), "language": _text(nullable=True),
            "needs": {"type": ["array", "null"], "items": {"enum": ["interpreter", "wheelchair", "reading"]}},
            "note": _text(500, nullable=True), "ahead": {"type": ["boolean", "null"]}}}),
        "responses": {"201": _json(_all(_ref("AppointmentFields"), _out({"ahead": {"type": "boolean"}}, closed=False)),
                                   "Checked in: the ticket"), **_errors("400", "404", "409", "422")}}},
    "/me": {"get": {
        "summary": "The caller", "operationId": "me",
        "responses": {"200": _json(_out({
            "id": {"type": "integer"}, "name": {"type": "string"},
            "roles": {"type": "array", "items": {"type": "string"}},
            "skills": {"type": "array", "items": _ref("Skill")},
            "languages": {"type": "array", "items": {"type": "string"}},
            "teams": {"type": "array", "items": SLUG}, "presence": _ref("Presence"),
            "desk": {"type": ["string", "null"]},
            "contact_in_progress": {"oneOf": [{"type": "null"}, _out({  # the contact the caller holds
                "id": {"type": "integer"}, "channel": {"enum": ["phone", "counter", "web", "email"]},
                "since": {"type": ["string", "null"], "format": "date-time"}})]}}), "The caller"), **_errors()}}},
    "/me/presence": {"put": {
        "summary": "Set the caller's presence and desk", "operationId": "setPresence",
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["state"], "properties": {
            "state": {"enum": ["available", "paused", "offline"]},
            "desk": {"anyOf": [_text(), {"type": ["integer", "null"]}],
                     "description": "The desk's number; null or empty: no desk"}}}),
        "responses": {"200": _json(_out({
            "state": {"enum": ["available", "paused", "offline"]}, "desk": {"type": ["string", "null"]}}),
            "The new presence"), **_errors("400", "422")}}},
    "/me/next": {"post": {
        "summary": "Take the next contact that fits the caller's skills and languages", "operationId": "next",
        "requestBody": NO_FIELDS,
        "responses": {"200": _json(_ref("ContactForHandling"), "The contact, now in progress for the caller"),
                      "204": {"description": "Nothing waiting for the caller now"},
                      **_errors("400", "409", "422")}}},
    "/staff": {"get": {
        "summary": "Colleagues, for choosing a handover target", "operationId": "staff",
        "parameters": [{"name": "available", "in": "query",
                        "schema": _query(FLAG, "true, 1 or yes: only who can take a contact now (any case)")}],
        "responses": {"200": _json(_out({"staff": {"type": "array", "items": _out({
            "id": {"type": "integer"}, "name": {"type": "string"}, "presence": _ref("Presence"),
            "skills": {"type": "array", "items": _ref("Skill")}})}}), "Colleagues"),
            **_errors("422")}}},
    "/teams": {"get": {
        "summary": "Teams with their members", "operationId": "teams",
        "responses": {"200": _json(_out({"teams": {"type": "array", "items": _out({
            "slug": SLUG, "name": {"type": "string"}, "domain": SLUG,
            "members": {"type": "array", "items": PERSON}})}}), "Teams"), **_errors()}}},
    "/contacts/{id}/handover": {"post": {
        "summary": "Offer the contact warmly to a colleague or team, with its story", "operationId": "offerHandover",
        "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["to", "context"],
                              "properties": {
                                  "to": {"oneOf": [
                                      {"type": "object", "additionalProperties": False, "required": ["staff"],
                                       "properties": {"staff": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}},
                                      {"type": "object", "additionalProperties": False, "required": ["team"],
                                       "properties": {"team": _text(filled=True)}}]},
                                  "context": {"type": "object", "additionalProperties": False, "required": ["summary"],
                                              "properties": {
                                                  "summary": _text(MAX_TEXT, filled=True, minLength=20, description=(
                                                      "At least 20 characters, runs of white space counting as one")),
                                                  "done": _text(MAX_TEXT, nullable=True),
                                                  "promised": _text(MAX_TEXT, nullable=True)}}}},
                             example={"to": {"team": "wmo-consulenten"}, "context": {
                                 "summary": "Mevrouw (82) is gevallen, kan niet meer zelf douchen; dochter belt namens haar.",
                                 "done": "Adres en telefoon gecontroleerd.",
                                 "promised": "Vandaag nog contact van een Wmo-consulent."}}),
        "responses": {"201": _json(_out({"handover": _out({
            "id": {"type": "integer"}, "status": {"const": "offered"}, "expires_at": TIME})}), "Offered"),
            **_errors("400", "404", "409", "422")}}},
    "/handovers/{id}": {"get": {
        "summary": "An offer with its context, read before accepting", "operationId": "getHandover",
        "parameters": CONTACT_ID, "responses": {"200": _json(_ref("Handover"), "The offer"), **_errors("404")}}},
    "/handovers/{id}/accept": {"post": {
        "summary": "Accept: the contact is now the caller's, with everything", "operationId": "acceptHandover",
        "requestBody": NO_FIELDS,
        "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("Contact"), "Accepted"), **_errors("400", "404", "409", "422")}}},
    "/handovers/{id}/decline": {"post": {
        "summary": "Decline with a reason; the contact becomes a callback task", "operationId": "declineHandover",
        "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["reason"],
                              "properties": {"reason": _text(filled=True)}}),
        "responses": {"200": _json(_out({"handover": _out({"id": {"type": "integer"}, "status": {"const": "declined"}}),
                                         "task": _ref("Task")}), "Declined"),
                      **_errors("400", "404", "409", "422")}}},
    "/tasks": {"get": {
        "summary": "Callback tasks of a team (members and leads)", "operationId": "tasks",
        "parameters": [{"name": "team", "in": "query", "schema": _query(SLUG, "Default: the caller's own teams")},
                       {"name": "state", "in": "query", "schema": {"enum": ["open", "done"], "default": "open"}}],
        "responses": {"200": _json(_out({"tasks": {"type": "array", "items": _ref("Task")}}), "Tasks"),
                      **_errors("404", "422")}}},
    "/tasks/{id}/claim": {"post": {
        "summary": "Assign to myself", "operationId": "claimTask", "parameters": CONTACT_ID,
        "requestBody": NO_FIELDS,
        "responses": {"200": _json(_ref("Task"), "Claimed"), **_errors("400", "404", "409", "422")}}},
    "/tasks/{id}/attempt": {"post": {
        "summary": "Log a call attempt", "operationId": "taskAttempt", "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["reached"],
                              "properties": {"reached": {"type": "boolean"}, "note": _text(MAX_TEXT, nullable=True)}}),
        "responses": {"200": _json(_ref("Task"), "Logged"), **_errors("400", "404", "409", "422")}}},
    "/tasks/{id}/complete": {"post": {
        "summary": "Complete a claimed task; the contact is resolved", "operationId": "completeTask",
        "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["note"],
                              "properties": {"note": _text(MAX_TEXT, filled=True)}}),
        "responses": {"200": _json(_ref("Task"), "Completed"), **_errors("400", "404", "409", "422")}}},
    "/indicators": {"get": {
        "summary": "Indicators per domain and channel, and the lobby's per domain and hour, for the team — never "
                   "per person", "operationId": "indicators",
        "parameters": [{"name": "domain", "in": "query", "schema": _query(SLUG, "Only this domain")},
                       {"name": "from", "in": "query", "schema": _query(DAY, "Default today")},
                       {"name": "to", "in": "query", "schema": _query(DAY, "Default `from`; at most 366 days later")}],
        "responses": {"200": _json(_out({
            "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
            "indicators": {"type": "array", "items": {
                "type": "object", "required": ["domain", "channel"],
                "properties": {"domain": SLUG, "channel": {"enum": ["phone", "counter", "web", "email"]}},
                "additionalProperties": {"type": ["number", "null"]}}},
            "lobby": {"type": "array", "items": _ref("LobbyDomain")}}), "Indicators"),
            **_errors("404", "422")}}},
    "/openapi.json": {"get": {
        "summary": "This document", "operationId": "openapi", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1"}}}},
}


def document(server_url: str = "/api/v1") -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "kcc integration API", "version": "1",
                 "description": "For the telephony platform, CTI toolbars, lobby displays and other systems. "
                                "Errors: {\"error\": {\"code\", \"message\", \"fields\"}}."},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "`kcc token create --user NAME` prints one"}},
            "schemas": SCHEMAS,
            "responses": {name: _json(_ref("Error"), text) for name, text in (
                ("BadRequest", "The body is not a JSON object"), ("Unauthorized", "No or bad token"),
                ("Forbidden", "Role or object not allowed"), ("NotFound", "Unknown id"),
                ("Conflict", "The object's state does not allow this"),
                ("ValidationFailed", "A field is wrong; see error.fields"))},
        },
    }
