"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json; a test keeps it equal to the routes."""
from __future__ import annotations

from typing import Any

SLUG = {"type": "string", "pattern": "^[a-z0-9-]+$"}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_SLUG = {"type": ["string", "null"]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {status: {"$ref": f"#/components/responses/{name}"} for status, name in
          (("400", "BadRequest"), ("401", "Unauthorized"), ("403", "Forbidden"), ("404", "NotFound"),
           ("409", "Conflict"), ("422", "ValidationFailed"))}


def _errors(*statuses: str) -> dict:
    return {status: ERRORS[status] for status in ("401", "403", *statuses)}


def _body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


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

CONTACT_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "fields"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            # the contact in the way, on a 409 of me/next while one is in progress
            "contact": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}}}}},
    "ContactIn": {"type": "object", "additionalProperties": False, "required": ["channel"], "properties": {
        "channel": {"enum": ["phone", "counter", "web", "email"]},
        "question": {"type": ["string", "null"], "maxLength": 2000},
        "domain": NULLABLE_SLUG, "topic": NULLABLE_SLUG,
        "language": {"type": ["string", "null"], "pattern": "^[a-z]{2}$"},
        "citizen": {"type": ["object", "null"], "additionalProperties": False, "properties": {
            "name": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]},
            "email": {"type": ["string", "null"]}}},
        "external_ref": {"type": ["string", "null"], "maxLength": 100}, "feedback": {"type": "boolean"}}},
    "Visitor": {"type": "object", "properties": {
        "id": {"type": "integer"}, "ticket": {"type": "string"}, "domain": SLUG, "topic": {"type": ["string", "null"]},
        "name": {"type": ["string", "null"]}, "note": {"type": "string"},
        "needs": {"type": "array", "items": {"enum": ["interpreter", "wheelchair", "reading"]}},
        "waited_s": {"type": "integer"}, "attention": {"type": "boolean"},
        "moved_forward": {"type": ["string", "null"]}}},
    "Appointment": {"type": "object", "required": ["id", "code", "domain", "topic", "starts_at", "name", "status"],
                    "properties": {
        "id": {"type": "integer"}, "code": {"type": "string", "pattern": "^[A-Z0-9]{3}-[A-Z0-9]{3}$"},
        "domain": SLUG, "topic": SLUG, "starts_at": TIME, "name": {"type": "string"},
        "email": {"type": ["string", "null"]}, "note": {"type": "string"},
        "status": {"enum": ["booked", "checked_in", "cancelled"]}, "source": {"enum": ["staff", "import", "api", "demo"]},
        "checked_in_at": {"type": ["string", "null"], "format": "date-time"},
        "contact_id": {"type": ["integer", "null"]}, "ticket": {"type": ["string", "null"]}}},
    "VisitorState": {"type": "object", "required": ["id", "ticket", "status", "domain"], "properties": {
        "id": {"type": "integer"}, "ticket": {"type": "string"},
        "status": {"enum": ["waiting", "abandoned", "in_progress"]}, "domain": NULLABLE_SLUG}},
    "ContactSummary": {"type": "object", "required": ["id", "status", "channel", "domain", "topic", "language"],
                       "properties": {
                           "id": {"type": "integer"},
                           "status": {"enum": ["waiting", "in_progress", "handover_offered", "resolved",
                                               "callback_scheduled", "abandoned"]},
                           "channel": {"enum": ["phone", "counter", "web", "email"]},
                           "domain": NULLABLE_SLUG, "topic": NULLABLE_SLUG, "language": {"type": "string"}}},
    "ContactCreated": {"allOf": [_ref("ContactSummary"), {"type": "object", "properties": {
        "routing": {"type": "object", "properties": {
            "domain": SLUG, "topic": NULLABLE_SLUG, "confidence": {"type": ["number", "null"]},
            "method": {"enum": ["choice", "router", "fallback"]}}},
        "ticket": {"type": ["string", "null"]}, "position": {"type": ["integer", "null"]},
        "estimated_wait_s": {"type": ["integer", "null"]}, "repeat": {"type": "boolean"}}}]},
    "Contact": {"allOf": [_ref("ContactSummary"), {"type": "object", "properties": {
        "owner": {"type": ["object", "null"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        "created_at": TIME,
        "events": {"type": "array", "items": {"type": "object", "properties": {
            "at": TIME, "type": {"type": "string"}, "actor": {"type": ["string", "null"]}}}}}}]},
    "ContactForHandling": {"allOf": [_ref("Contact"), {"type": "object", "properties": {
        "question": {"type": "string"}, "ticket": {"type": ["string", "null"]}, "repeat": {"type": "boolean"},
        "citizen": {"type": ["object", "null"], "properties": {
            "name": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]},
            "email": {"type": ["string", "null"]}}}}}]},
    "Guess": {"type": "object", "properties": {"domain": SLUG, "topic": NULLABLE_SLUG,
                                               "confidence": {"type": "number"}}},
    "Skill": {"type": "object", "properties": {"domain": SLUG, "level": {"enum": ["primary", "secondary"]}}},
    "Presence": {"enum": ["available", "busy", "paused", "offline"]},
    "Handover": {"type": "object", "properties": {
        "id": {"type": "integer"}, "status": {"enum": ["offered", "accepted", "declined", "expired"]},
        "expires_at": TIME, "contact_id": {"type": "integer"}, "from": {"type": "object"}, "to": {"type": "object"},
        "context": {"type": "object", "properties": {"summary": {"type": "string"}, "done": {"type": "string"},
                                                     "promised": {"type": "string"}}}}},
    "LobbyHour": {"type": "object", "required": ["hour", "visitors", *LOBBY_TIMES],
                  "properties": {"hour": {"type": "integer", "minimum": 0, "maximum": 23,
                                          "description": "The Amsterdam hour of the ticket: 9 is 09:00-10:00"},
                                 "visitors": COUNT,
                                 **LOBBY_TIMES}},
    "LobbyDomain": {"type": "object",
                    "required": ["domain", "visitors", *LOBBY_TIMES, *LOBBY_COUNTS, "hours"],
                    "properties": {"domain": SLUG, "visitors": _about(COUNT, "Visitors given a ticket"),
                                   **LOBBY_TIMES,
                                   **{name: _about(COUNT, text) for name, text in LOBBY_COUNTS.items()},
                                   "hours": {"type": "array", "items": _ref("LobbyHour")}}},
    "Task": {"type": "object", "properties": {
        "id": {"type": "integer"}, "contact_id": {"type": "integer"}, "team": SLUG,
        "owner": {"type": ["object", "null"]}, "deadline": TIME, "state": {"enum": ["open", "done"]},
        "urgency": {"type": ["object", "null"], "properties": {"level": {"enum": ["ok", "soon", "overdue"]},
                                                               "label": {"type": "string"}}},
        "attempts": {"type": "array", "items": {"type": "object"}}}},
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
        "responses": {"200": _json(_ref("ContactSummary"), "Abandoned"),
                      **_errors("400", "404", "409", "422")}}},
    "/contacts/{id}/resolve": {"post": {
        "summary": "Close a contact: answered, or warmly referred to another organisation",
        "operationId": "resolveContact", "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["outcome"], "properties": {
            "outcome": {"enum": ["answered", "referred_external"]}, "note": {"type": "string"},
            "referred_to": {"type": "string", "description": "Required for referred_external"}}}),
        "responses": {"200": _json(_ref("ContactSummary"), "Resolved"), **_errors("400", "404", "409", "422")}}},
    "/route": {"post": {
        "summary": "Which domain and topic a question is about", "operationId": "route",
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["question"],
                              "properties": {"question": {"type": "string", "minLength": 1, "maxLength": 2000}}}),
        "responses": {"200": _json({"type": "object", "properties": {
            "domain": SLUG, "topic": NULLABLE_SLUG, "confidence": {"type": "number"},
            "alternatives": {"type": "array", "maxItems": 3, "items": _ref("Guess")}}}, "The routing"),
            **_errors("400", "422")}}},
    "/queues": {"get": {
        "summary": "Waiting, longest wait, staff available and service level per domain", "operationId": "queues",
        "responses": {"200": _json({"type": "object", "properties": {"queues": {"type": "array", "items": {
            "type": "object", "properties": {
                "domain": SLUG, "waiting": {"type": "integer"}, "longest_wait_s": {"type": "integer"},
                "staff_available": {"type": "integer"},
                "service_level_today": {"type": ["number", "null"]}}}}}}, "The queues"), **_errors()}}},
    "/lobby/display": {"get": {
        "summary": "The waiting-room screen: tickets called to a desk, visitors waiting per domain (no personal data)",
        "operationId": "lobbyDisplay",
        "responses": {"200": _json({"type": "object", "required": ["called", "waiting"], "properties": {
            "called": {"type": "array", "items": {"type": "object", "required": ["ticket", "desk", "at"],
                                                  "properties": {"ticket": {"type": "string"},
                                                                 "desk": {"type": "string"}, "at": TIME}}},
            "waiting": {"type": "object", "additionalProperties": {"type": "integer"}}}}, "The screen"),
            **_errors()}}},
    "/contacts/{id}/recall": {"post": {
        "summary": "Call the same lobby visitor again: the display shows the ticket on top again",
        "operationId": "recallVisitor", "parameters": CONTACT_ID,
        "responses": {"200": _json({"allOf": [_ref("ContactSummary"), {"type": "object", "properties": {
            "ticket": {"type": "string"}, "calls": {"type": "integer"}, "max_calls": {"type": "integer"}}}]},
            "Called again"), **_errors("400", "404", "409", "422")}}},
    "/contacts/{id}/no-show": {"post": {
        "summary": "The called visitor did not come: abandoned, and the desk is free for the next",
        "operationId": "visitorNoShow", "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("ContactSummary"), "Marked as not there"),
                      **_errors("400", "404", "409", "422")}}},
    "/contacts/{id}/start": {"post": {
        "summary": "The called visitor sits down at the desk", "operationId": "startVisitor",
        "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("ContactSummary"), "Started"), **_errors("400", "404", "409", "422")}}},
    "/lobby/call": {"post": {
        "summary": "Call one ticket out of turn, with the reason", "operationId": "callTicket",
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["ticket", "reason"],
                              "properties": {"ticket": {"type": "string", "maxLength": 10},
                                             "reason": {"type": "string", "maxLength": 300}}}),
        "responses": {"200": _json({"type": "object"}, "The visitor, now called to the caller's desk"),
                      **_errors("400", "409", "422")}}},
    "/lobby/waiting": {"get": {
        "summary": "The host's list: today's visitors waiting, no-shows, staffed desks", "operationId": "lobbyWaiting",
        "responses": {"200": _json({"type": "object", "required": ["visitors", "no_shows", "desks"], "properties": {
            "visitors": {"type": "array", "items": _ref("Visitor")},
            "no_shows": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "ticket": {"type": "string"}, "domain": {"type": "string"}, "at": TIME}}},
            "desks": {"type": "array", "items": {"type": "object", "properties": {
                "desk": {"type": "string"}, "label": {"type": "string"}, "name": {"type": "string"},
                "state": {"enum": ["available", "busy", "paused"]}}}}}}, "The list"), **_errors()}}},
    "/lobby/waiting/{id}/visited": {"post": {
        "summary": "The host went over to a waiting visitor (coffee, an update)", "operationId": "visitorVisited",
        "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("VisitorState"), "Noted"), **_errors("400", "404", "409", "422")}}},
    "/lobby/waiting/{id}/forward": {"post": {
        "summary": "Move a waiting visitor to the front of their domain's queue, with the reason",
        "operationId": "visitorForward", "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["reason"],
                              "properties": {"reason": {"type": "string", "maxLength": 300}}}),
        "responses": {"200": _json(_ref("VisitorState"), "Moved"), **_errors("400", "404", "409", "422")}}},
    "/lobby/waiting/{id}/domain": {"post": {
        "summary": "Move a waiting visitor to another domain, keeping their place and history",
        "operationId": "visitorDomain", "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["domain"],
                              "properties": {"domain": SLUG}}),
        "responses": {"200": _json(_ref("VisitorState"), "Moved"), **_errors("400", "404", "409", "422")}}},
    "/lobby/waiting/{id}/left": {"post": {
        "summary": "A waiting visitor went home before their turn", "operationId": "visitorLeft",
        "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("VisitorState"), "Out of the queue"), **_errors("400", "404", "409", "422")}}},
    "/lobby/no-shows/{id}/undo": {"post": {
        "summary": "A visitor marked as not there was there after all: back in the queue at their place",
        "operationId": "undoNoShow", "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("VisitorState"), "Waiting again"), **_errors("400", "404", "409", "422")}}},
    "/appointments": {
        "get": {
            "summary": "One day of the counter agenda, in time order", "operationId": "listAppointments",
            "parameters": [{"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}},
                           {"name": "domain", "in": "query", "schema": SLUG}],
            "responses": {"200": _json({"type": "object", "required": ["date", "appointments"], "properties": {
                "date": {"type": "string", "format": "date"},
                "appointments": {"type": "array", "items": _ref("Appointment")}}}, "The day"), **_errors("422")}},
        "post": {
            "summary": "Book an appointment; the confirmation with its check-in code is mailed",
            "operationId": "bookAppointment",
            "requestBody": _body({"type": "object", "additionalProperties": False,
                                  "required": ["date", "time", "topic", "name"], "properties": {
                                      "date": {"type": "string", "format": "date"},
                                      "time": {"type": "string", "pattern": "^[0-9]{1,2}[:.][0-9]{2}$"},
                                      "topic": {"type": "string", "maxLength": 200},
                                      "name": {"type": "string", "maxLength": 150},
                                      "email": {"type": "string", "maxLength": 254},
                                      "note": {"type": "string", "maxLength": 500}}}),
            "responses": {"201": _json(_ref("Appointment"), "Booked"), **_errors("400", "422")}}},
    "/appointments/{id}": {"get": {
        "summary": "One appointment", "operationId": "getAppointment", "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("Appointment"), "The appointment"), **_errors("404")}}},
    "/appointments/{id}/cancel": {"post": {
        "summary": "Cancel a booked appointment", "operationId": "cancelAppointment", "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("Appointment"), "Cancelled"), **_errors("400", "404", "409", "422")}}},
    "/appointments/import": {"post": {
        "summary": "Book every row of a CSV file, or none: every bad row is named by its line",
        "operationId": "importAppointments",
        "parameters": [{"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}}],
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}},
        "responses": {"201": _json({"type": "object", "required": ["imported", "appointments"], "properties": {
            "imported": COUNT, "appointments": {"type": "array", "items": _ref("Appointment")}}}, "Booked"),
            **_errors("422")}}},
    "/lobby/appointments/{code}": {"get": {
        "summary": "Today's appointment by its check-in code: arrival and what to bring, before a ticket",
        "operationId": "appointmentByCode",
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 20}}],
        "responses": {"200": _json({"allOf": [_ref("Appointment"), {"type": "object", "properties": {
            "arrival": {"enum": ["on_time", "early", "late"]}, "arrival_minutes": COUNT,
            "prerequisites": {"type": "array", "items": {"type": "string"}}}}]}, "The appointment"),
            **_errors("404", "409", "422")}}},
    "/lobby/check-in": {"post": {
        "summary": "Check an appointment in by its code: one ticket", "operationId": "checkInAppointment",
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["code"], "properties": {
            "code": {"type": "string", "maxLength": 20}, "language": {"type": "string"},
            "needs": {"type": "array", "items": {"enum": ["interpreter", "wheelchair", "reading"]}},
            "note": {"type": "string", "maxLength": 500}, "ahead": {"type": "boolean"}}}),
        "responses": {"201": _json({"allOf": [_ref("Appointment"), {"type": "object", "properties": {
            "ahead": {"type": "boolean"}}}]}, "Checked in: the ticket"), **_errors("400", "404", "409", "422")}}},
    "/me": {"get": {
        "summary": "The caller", "operationId": "me",
        "responses": {"200": _json({"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "roles": {"type": "array", "items": {"type": "string"}},
            "skills": {"type": "array", "items": _ref("Skill")},
            "languages": {"type": "array", "items": {"type": "string"}},
            "teams": {"type": "array", "items": SLUG}, "presence": _ref("Presence"),
            "desk": {"type": ["string", "null"]},
            "contact_in_progress": {"oneOf": [{"type": "null"}, {  # the contact the caller holds
                "type": "object", "required": ["id", "channel", "since"], "properties": {
                    "id": {"type": "integer"}, "channel": {"type": "string"}, "since": {"type": ["string", "null"]}}}]}},
        }, "The caller"), **_errors()}}},
    "/me/presence": {"put": {
        "summary": "Set the caller's presence and desk", "operationId": "setPresence",
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["state"], "properties": {
            "state": {"enum": ["available", "paused", "offline"]}, "desk": {"type": ["string", "null"]}}}),
        "responses": {"200": _json({"type": "object", "properties": {
            "state": {"enum": ["available", "paused", "offline"]}, "desk": {"type": ["string", "null"]}}},
            "The new presence"), **_errors("400", "422")}}},
    "/me/next": {"post": {
        "summary": "Take the next contact that fits the caller's skills and languages", "operationId": "next",
        "responses": {"200": _json(_ref("ContactForHandling"), "The contact, now in progress for the caller"),
                      "204": {"description": "Nothing waiting for the caller now"},
                      **_errors("400", "409", "422")}}},
    "/staff": {"get": {
        "summary": "Colleagues, for choosing a handover target", "operationId": "staff",
        "parameters": [{"name": "available", "in": "query", "schema": {"type": "boolean"}}],
        "responses": {"200": _json({"type": "object", "properties": {"staff": {"type": "array", "items": {
            "type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                             "skills": {"type": "array", "items": _ref("Skill")},
                                             "presence": _ref("Presence")}}}}}, "Colleagues"), **_errors()}}},
    "/teams": {"get": {
        "summary": "Teams with their members", "operationId": "teams",
        "responses": {"200": _json({"type": "object", "properties": {"teams": {"type": "array", "items": {
            "type": "object", "properties": {
                "slug": SLUG, "name": {"type": "string"}, "domain": SLUG,
                "members": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}}}}}}}}}, "Teams"), **_errors()}}},
    "/contacts/{id}/handover": {"post": {
        "summary": "Offer the contact warmly to a colleague or team, with its story", "operationId": "offerHandover",
        "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["to", "context"],
                              "properties": {
                                  "to": {"oneOf": [
                                      {"type": "object", "required": ["staff"], "properties": {"staff": {"type": "integer"}}},
                                      {"type": "object", "required": ["team"], "properties": {"team": SLUG}}]},
                                  "context": {"type": "object", "required": ["summary"], "properties": {
                                      "summary": {"type": "string", "minLength": 20}, "done": {"type": "string"},
                                      "promised": {"type": "string"}}}}}),
        "responses": {"201": _json({"type": "object", "properties": {"handover": {"type": "object", "properties": {
            "id": {"type": "integer"}, "status": {"const": "offered"}, "expires_at": TIME}}}}, "Offered"),
            **_errors("400", "404", "409", "422")}}},
    "/handovers/{id}": {"get": {
        "summary": "An offer with its context, read before accepting", "operationId": "getHandover",
        "parameters": CONTACT_ID, "responses": {"200": _json(_ref("Handover"), "The offer"), **_errors("404")}}},
    "/handovers/{id}/accept": {"post": {
        "summary": "Accept: the contact is now the caller's, with everything", "operationId": "acceptHandover",
        "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("Contact"), "Accepted"), **_errors("400", "404", "409", "422")}}},
    "/handovers/{id}/decline": {"post": {
        "summary": "Decline with a reason; the contact becomes a callback task", "operationId": "declineHandover",
        "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["reason"],
                              "properties": {"reason": {"type": "string", "minLength": 1}}}),
        "responses": {"200": _json({"type": "object", "properties": {"handover": {"type": "object"},
                                                                     "task": _ref("Task")}}, "Declined"),
                      **_errors("400", "404", "409", "422")}}},
    "/tasks": {"get": {
        "summary": "Callback tasks of a team (members and leads)", "operationId": "tasks",
        "parameters": [{"name": "team", "in": "query", "schema": SLUG},
                       {"name": "state", "in": "query", "schema": {"enum": ["open", "done"]}}],
        "responses": {"200": _json({"type": "object", "properties": {"tasks": {"type": "array",
                                                                               "items": _ref("Task")}}}, "Tasks"),
                      **_errors("404", "422")}}},
    "/tasks/{id}/claim": {"post": {
        "summary": "Assign to myself", "operationId": "claimTask", "parameters": CONTACT_ID,
        "responses": {"200": _json(_ref("Task"), "Claimed"), **_errors("400", "404", "409", "422")}}},
    "/tasks/{id}/attempt": {"post": {
        "summary": "Log a call attempt", "operationId": "taskAttempt", "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["reached"],
                              "properties": {"reached": {"type": "boolean"}, "note": {"type": "string"}}}),
        "responses": {"200": _json(_ref("Task"), "Logged"), **_errors("400", "404", "409", "422")}}},
    "/tasks/{id}/complete": {"post": {
        "summary": "Complete a claimed task; the contact is resolved", "operationId": "completeTask",
        "parameters": CONTACT_ID,
        "requestBody": _body({"type": "object", "additionalProperties": False, "required": ["note"],
                              "properties": {"note": {"type": "string", "minLength": 1}}}),
        "responses": {"200": _json(_ref("Task"), "Completed"), **_errors("400", "404", "409", "422")}}},
    "/indicators": {"get": {
        "summary": "Indicators per domain and channel, and the lobby's per domain and hour, for the team — never "
                   "per person", "operationId": "indicators",
        "parameters": [{"name": "domain", "in": "query", "schema": SLUG},
                       {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                       {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}}],
        "responses": {"200": _json({"type": "object", "required": ["from", "to", "indicators", "lobby"], "properties": {
            "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
            "indicators": {"type": "array", "items": {
                "type": "object", "properties": {"domain": SLUG, "channel": {"type": "string"}},
                "additionalProperties": {"type": ["number", "integer", "null"]}}},
            "lobby": {"type": "array", "items": _ref("LobbyDomain")}}}, "Indicators"),
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
