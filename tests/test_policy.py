"""kcc.policy: each rule as a predicate and as a SQL filter, held to agree; and need to know walked through
every screen and API call: an employee without the sociaal skill finds no trace of a citizen's social-domain
history anywhere."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kcc import policy
from kcc.callbacks import operations as tasks
from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.handover import operations as handover
from kcc.models import AuditLog, Contact, Handover, Staff, Task
from kcc.queues import operations as queues
from kcc.staff.accounts import create_token
from kcc.workspace.operations import glance, offers_version
from tests.conftest import csrf_from

SETTINGS = QueueSettings(headstart_s={})
TEST = Actor.system("test")
SECRET_STORY = "Grote schulden en huurachterstand; deurwaarder staat voor de deur bij mevrouw Zwanenburg."
PHONE = "0687654321"


def _arrive(session, router, channel="phone", **fields):
    data = intake.parse_contact({"channel": channel, "question": fields.pop("question", "vraag"), **fields})
    return intake.receive(session, data, router, SETTINGS, utcnow(), actor=TEST).contact


def _take(session, staff, contact_id):
    """The employee takes exactly this contact (the others are parked by making them not theirs to take)."""
    claimed = queues.claim_next(session, Actor.of(staff), utcnow(), SETTINGS)
    assert claimed is not None and claimed.id == contact_id
    return claimed


@pytest.fixture
def world(session, make_staff):
    """Contacts of every domain and channel, offers to a person and to a team, callback tasks, and the people
    who may or may not see them."""
    router = Router.from_session(session)
    people = {
        "social_agent": make_staff("sara", skills=[("sociaal", "primary")]),
        "civic_agent": make_staff("bert", skills=[("burgerzaken", "primary")]),
        "host": make_staff("lotte", roles=["host"]),
        "senior": make_staff("tom", roles=["senior"], skills=[("vergunningen", "primary")]),
        "wmo": make_staff("ingrid", roles=["specialist"], teams=["wmo-consulenten"]),
        "builder": make_staff("bas", roles=["specialist"], teams=["bouwen-en-verbouwen"]),
        "lead": make_staff("ahmed", roles=["lead"]),
        "integration": make_staff("telefonie", roles=["integration"]),
        "nobody": make_staff("nemo", roles=["specialist"]),
    }
    contacts = [
        _arrive(session, router, domain="burgerzaken", question="paspoort"),
        _arrive(session, router, "counter", domain="burgerzaken", topic="paspoort"),
        _arrive(session, router, "counter", domain="algemeen"),
        _arrive(session, router, domain="vergunningen", question="dakkapel"),
        _arrive(session, router, domain="sociaal", question="schulden", citizen={"phone": PHONE}),
        _arrive(session, router, "counter", domain="sociaal"),
        _arrive(session, router, "web", question="traplift voor mijn moeder", citizen={"email": "a@example.org"}),
    ]
    session.commit()
    social = session.merge(people["social_agent"])
    queues.set_presence(session, social, "available", utcnow())
    session.commit()
    taken = queues.claim_next(session, Actor.of(social), utcnow(), SETTINGS)  # the oldest sociaal contact
    handover.offer(session, taken, Actor.of(social), handover.Context(SECRET_STORY), utcnow(), 600,
                   to_staff_id=people["builder"].id)
    session.commit()
    taken2 = queues.claim_next(session, Actor.of(social), utcnow(), SETTINGS)
    if taken2 is not None:
        handover.callback_now(session, taken2, Actor.of(social), handover.Context(SECRET_STORY), utcnow(),
                              to_team_slug="wmo-consulenten")
        session.commit()
    return people, contacts


def _actors(session, people):
    return {name: Actor.of(session.merge(staff)) for name, staff in people.items()}


def test_may_see_contact_and_its_sql_filter_agree_on_every_contact_and_actor(session, world):
    people, _ = world
    contacts = session.scalars(select(Contact)).all()
    assert len(contacts) >= 7
    for name, actor in _actors(session, people).items():
        by_sql = set(session.scalars(select(Contact.id).where(policy.contacts_visible_to(actor))))
        by_rule = {contact.id for contact in contacts if policy.may_see_contact(actor, contact)}
        assert by_sql == by_rule, name


def test_task_and_offer_rules_agree_with_their_sql_filters(session, world):
    people, _ = world
    all_tasks = session.scalars(select(Task)).all()
    offers = session.scalars(select(Handover)).all()
    assert all_tasks and offers
    for name, actor in _actors(session, people).items():
        assert (set(session.scalars(select(Task.id).where(policy.tasks_workable_by(actor))))
                == {task.id for task in all_tasks if policy.may_work_task(actor, task)}), name
        assert (set(session.scalars(select(Handover.id).where(policy.offers_for(actor))))
                == {offer.id for offer in offers if policy.may_answer_offer(actor, offer)}), name
        # the workspace's poll reads the same offers in its one statement (kcc.workspace.operations.glance)
        if actor.id is not None:
            assert glance(session, actor, utcnow()).offers == offers_version(
                offer.id for offer in handover.incoming(session, actor, utcnow())), name


def test_the_rules_say_what_need_to_know_means(session, world):
    people, _ = world
    actors = _actors(session, people)
    social = session.scalars(select(Contact).join(Contact.domain).where(Contact.domain.has(slug="sociaal"))).all()
    assert social
    for contact in social:
        assert not policy.may_see_contact(actors["civic_agent"], contact)
        assert not policy.may_see_contact(actors["host"], contact)
        assert policy.may_see_contact(actors["social_agent"], contact)
        assert not policy.may_see_contact(actors["lead"], contact)  # not by role: only with a stated reason
        assert policy.may_look_with_reason(actors["lead"], contact)
        assert not policy.may_look_with_reason(actors["civic_agent"], contact)
    task = session.scalars(select(Task)).first()
    assert policy.may_work_task(actors["wmo"], task) and not policy.may_work_task(actors["builder"], task)
    assert policy.team_scope(actors["lead"]) is None


# --- the walk -------------------------------------------------------------------------------------------

def _sample_paths(app, ids):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        path = rule.rule
        for converter, value in ids.items():
            path = path.replace(converter, str(value))
        if "<" not in path:
            yield path


def test_no_trace_of_social_domain_history_for_an_employee_without_the_skill(app, client, auth, session, make_staff):
    """Bert (burgerzaken only) takes a call from a citizen who has an open social-domain callback task with
    its story; no page, fragment or API answer he can reach shows the story, the team or the count."""
    router = Router.from_session(session)
    sara = make_staff("sara", skills=[("sociaal", "primary")])
    make_staff("ingrid", roles=["specialist"], teams=["wmo-consulenten"])
    bert = make_staff("bert", skills=[("burgerzaken", "primary")])
    social = _arrive(session, router, domain="sociaal", question="ik heb schulden", citizen={"phone": PHONE})
    session.commit()
    queues.set_presence(session, session.merge(sara), "available", utcnow())
    session.commit()
    _take(session, session.merge(sara), social.id)
    task = handover.callback_now(session, session.get(Contact, social.id), Actor.of(session.merge(sara)),
                                 handover.Context(SECRET_STORY, "Budgetcoach gebeld", "Terugbellen voor vrijdag"),
                                 utcnow(), to_team_slug="wmo-consulenten")
    session.commit()
    call = _arrive(session, router, domain="burgerzaken", question="paspoort verlengen", citizen={"phone": PHONE})
    session.commit()
    queues.set_presence(session, session.merge(bert), "available", utcnow())
    session.commit()
    _take(session, session.merge(bert), call.id)
    session.commit()
    _, token = create_token(session, session.merge(bert), actor=TEST)
    session.commit()

    ids = {"<int:contact_id>": social.id, "<int:task_id>": task.id, "<int:handover_id>": 1,
           "<int:staff_id>": sara.id}
    traces = [SECRET_STORY[:30], "Budgetcoach", "Terugbellen voor vrijdag", "ik heb schulden", f"KCC-{social.id:06d}",
              f'href="/contact/{social.id}"']
    auth.login("bert")
    bodies = {}
    for path in _sample_paths(app, ids):
        if path.startswith("/api/"):
            continue
        for headers in ({}, {"HX-Request": "true"}):
            bodies[(path, bool(headers))] = client.get(path, headers=headers).get_data(as_text=True)
    own = {"<int:contact_id>": call.id, **{k: v for k, v in ids.items() if k != "<int:contact_id>"}}
    for path in _sample_paths(app, own):
        if not path.startswith("/api/"):
            bodies[(path, False)] = client.get(path).get_data(as_text=True)
    for path in _sample_paths(app, ids):
        if path.startswith("/api/"):
            bodies[(path, "api")] = client.get(path, headers={"Authorization": f"Bearer {token}"}).get_data(
                as_text=True)
    assert len(bodies) > 30
    workspace = bodies[("/werkplek", False)]
    assert "paspoort verlengen" in workspace  # the walk really saw Bert's own contact
    citizen = client.get(f"/werkplek/contact/{call.id}/inwoner").get_data(as_text=True)
    assert PHONE[-4:] in citizen.replace(" ", "")
    for (path, kind), body in {**bodies, ("citizen", False): citizen}.items():
        for trace in traces:
            assert trace not in body, f"{trace!r} in {path} ({kind})"
    earlier = re.search(r"[Ee]erdere contacten \((\d+)\)", workspace)
    assert earlier is None or earlier.group(1) == "0"
    assert tasks.open_tasks_for_citizen(session, Actor.of(session.merge(bert)), session.get(Contact, call.id)) == []
    assert csrf_from(workspace)
    assert session.scalar(select(Staff.id).where(Staff.username == "bert"))


def test_a_lead_opens_a_social_domain_contact_only_with_a_reason_that_the_audit_log_keeps(
        client, auth, session, make_staff):
    router = Router.from_session(session)
    make_staff("ahmed", roles=["lead"])
    social = _arrive(session, router, domain="sociaal", question="ik heb schulden", citizen={"phone": PHONE})
    session.commit()
    auth.login("ahmed")
    page = client.get(f"/contact/{social.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 403 and "Waarom open je dit contact?" in html and "ik heb schulden" not in html
    refused = client.post(f"/contact/{social.id}/reden", data={"reason": "te kort", "csrf_token": csrf_from(html)})
    assert refused.status_code == 422 and "minstens 10 tekens" in refused.get_data(as_text=True)
    assert "te kort" in refused.get_data(as_text=True)  # what was typed stays
    reason = "Klacht van de inwoner over de behandeling, nr. 2026-114"
    opened = client.post(f"/contact/{social.id}/reden", data={"reason": reason, "csrf_token": csrf_from(html)})
    assert opened.status_code == 302
    assert "ik heb schulden" in client.get(f"/contact/{social.id}").get_data(as_text=True)
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "contact.break_glass")).one()
    assert entry.detail == reason and entry.object_id == str(social.id)
    other = _arrive(session, router, domain="sociaal", question="mantelzorg", citizen={"phone": PHONE})
    session.commit()
    assert client.get(f"/contact/{other.id}").status_code == 403  # the reason opened that one contact only
    entry.at = utcnow() - timedelta(hours=1, minutes=1)
    session.commit()
    assert client.get(f"/contact/{social.id}").status_code == 403  # and for an hour
    auth.logout()
    make_staff("beheer", roles=["admin"])
    auth.login("beheer")
    listing = client.get("/beheer/auditlog?action=contact.break_glass").get_data(as_text=True)
    assert reason in listing and "ahmed" in listing


def test_an_agent_cannot_state_a_reason_to_open_another_domains_sensitive_contact(client, auth, session, make_staff):
    router = Router.from_session(session)
    make_staff("bert", skills=[("burgerzaken", "primary")])
    social = _arrive(session, router, domain="sociaal", question="ik heb schulden", citizen={"phone": PHONE})
    session.commit()
    auth.login("bert")
    assert client.get(f"/contact/{social.id}").status_code == 403
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    response = client.post(f"/contact/{social.id}/reden", data={"reason": "ik ben nieuwsgierig naar dit",
                                                                 "csrf_token": csrf_from(html)})
    assert response.status_code == 403
    assert not session.scalars(select(AuditLog).where(AuditLog.action == "contact.break_glass")).all()
