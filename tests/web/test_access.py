"""Every route, walked as anonymous and as each role: login or 401, allowed or 403. Deny by default."""
import re

import pytest
from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.models import ROLES, AuditLog, Contact, Domain
from kcc.policy import may_see_contact
from kcc.staff.accounts import create_token
from tests.conftest import csrf_from


def _routes(app):
    """Every (method, path, endpoint) the app serves, with a sample id filled in."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule
        for converter in ("<int:staff_id>", "<int:contact_id>", "<int:handover_id>", "<int:task_id>", "<int:desk_id>",
                          "<int:appointment_id>", "<int:signal_id>", "<int:feedback_id>", "<int:coach_id>",
                          "<int:session_id>"):
            path = path.replace(converter, "1")
        path = path.replace("<domain>", "burgerzaken").replace("<topic>", "paspoort").replace("<code>", "ACD479")
        path = path.replace("<token>", "no-such-feedback-link")
        path = re.sub(r"<any\('([^']+)'[^>]*>", r"\1", path)  # a fixed choice of steps: the first
        assert "<" not in path, f"give test_access a sample value for {rule.rule}"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path, rule.endpoint


OWNER_ONLY = {"handover.handled"}
# public, but with a check of their own: the lobby display opens with its code, from its network, or for a
# logged-in host, lead or admin; anyone else gets a page saying how to open it (403)
DISPLAY = {"lobby.wall", "lobby.wall_state"}
DISPLAY_ROLES = {"host", "lead", "admin"}
# the floor's wallboard likewise: with the display code, from its network, or for a logged-in lead or senior
WALLBOARD = {"floor.wallboard_page"}
WALLBOARD_ROLES = {"lead", "senior", "admin"}
# a link without login that finds nothing says so (404), like any unknown page
UNKNOWN_LINK = {"feedback.question"}
# past the role check, an object check of its own: coaching notes are between an employee and their lead, and
# the sample staff member 1 is neither's
PAIR_ONLY = {"team.my_coaching", "team.coaching"}
# the mood answers of a team: its own lead only — not admin, who may otherwise do everything
LEAD_ONLY = {"team.team_week"}


def _rule_of(app, endpoint):
    return next(rule.rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)


def test_every_endpoint_declares_who_may_use_it(app):
    missing = [endpoint for _, _, endpoint in _routes(app)
               if not hasattr(app.view_functions[endpoint], "kcc_access")]
    assert missing == []


def test_anonymous_is_sent_to_login_or_gets_401(client, app):
    for method, path, endpoint in _routes(app):
        rule = app.view_functions[endpoint].kcc_access
        response = client.open(path, method=method)
        if endpoint in DISPLAY or endpoint in WALLBOARD:
            assert response.status_code == 403, (method, path)
        elif endpoint in UNKNOWN_LINK:
            assert response.status_code == (404 if method == "GET" else 400), (method, path)  # a POST: CSRF first
        elif rule.public:
            assert response.status_code in (200, 302, 400), (method, path)
        elif path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
            assert response.get_json()["error"]["code"] == "unauthorized"
        elif method == "GET":
            assert response.status_code == 302 and "/inloggen" in response.headers["Location"], (method, path)
        else:
            # a form post without session: refused before anything happens (CSRF or login)
            assert response.status_code in (302, 400), (method, path)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_allowed_or_refused(app, make_staff, session, role):
    staff = make_staff(f"user-{role}", roles=[role], skills=[("burgerzaken", "primary")] if role == "agent" else [])
    # contact 1, the sample id: a lobby visitor for burgerzaken
    burgerzaken = session.scalar(select(Domain).where(Domain.slug == "burgerzaken"))
    sample = Contact(id=1, channel="counter", question="paspoort", domain=burgerzaken, ticket="B001")
    session.add(sample)
    session.commit()
    _, token = create_token(session, session.merge(staff), actor=Actor.system("test"))
    session.commit()
    web = app.test_client()
    page = web.get("/inloggen")
    web.post("/inloggen", data={"username": staff.username, "password": "correct-horse-battery",
                                "csrf_token": csrf_from(page.get_data(as_text=True))})
    for method, path, endpoint in _routes(app):
        if method != "GET":
            continue
        rule = app.view_functions[endpoint].kcc_access
        allowed = rule.public or not rule.roles or role == "admin" or role in rule.roles
        if "<int:contact_id>" in _rule_of(app, endpoint):
            allowed = allowed and may_see_contact(Actor.of(session.merge(staff)), sample)  # the object check after the role check
        if endpoint in OWNER_ONLY:
            allowed = False  # only the contact's owner, and the sample contact has none
        if endpoint in DISPLAY:
            allowed = role in DISPLAY_ROLES
        if endpoint in WALLBOARD:
            allowed = role in WALLBOARD_ROLES
        if endpoint in LEAD_ONLY:
            allowed = role == "lead"
        if path.startswith("/api/"):
            response = app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})
        else:
            response = web.get(path)
        no_sample = any(c in _rule_of(app, endpoint) for c in ("<int:handover_id>", "<int:task_id>", "<int:desk_id>",
                                                               "<int:appointment_id>", "<code>", "<int:signal_id>",
                                                               "<token>"))
        if role == "integration" and not path.startswith("/api/"):
            # the integration account never logs in to the screens: every screen answers as to a stranger
            anonymous = response.status_code in (403,) if endpoint in DISPLAY | WALLBOARD else \
                response.status_code in (200, 302, 400, 404) if rule.public else \
                response.status_code == 302 and "/inloggen" in response.headers["Location"]
            assert anonymous, (role, path, response.status_code)
        elif allowed and endpoint in PAIR_ONLY:
            assert response.status_code in (403, 404), (role, path, response.status_code)
        elif allowed:
            # there is no handover, task, desk or appointment 1 in this database: allowed means past the role check
            assert response.status_code in ((200, 302, 404) if no_sample else (200, 302)), \
                (role, path, response.status_code)
        else:
            assert response.status_code == 403, (role, path, response.status_code)


def test_refusal_is_audited_and_explained_in_dutch(client, auth, make_staff, session):
    make_staff("hanna", roles=["host"])
    auth.login("hanna")
    response = client.get("/beheer/")
    assert response.status_code == 403 and "Geen toegang" in response.get_data(as_text=True)
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "access.denied")).all()[-1]
    assert entry.actor_name == "hanna" and entry.result == "denied" and entry.object_id == "admin.staff_list"


def test_unknown_page_is_404_in_dutch(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404 and "Pagina niet gevonden" in response.get_data(as_text=True)
