"""The lead's deployment: which of an employee's skilled domains they serve now — effective for routing at once,
logged, never a domain they have no skill in, never none at all."""
import pytest
from sqlalchemy import select

from kcc.config import QueueSettings
from kcc.core.actor import Actor
from kcc.core.errors import NotAllowed, ValidationError
from kcc.core.timeutil import utcnow
from kcc.floor import operations as floor
from kcc.models import AuditLog, Contact, Domain, Staff
from kcc.queues import operations as queues


def test_a_domain_taken_off_is_no_longer_offered_and_the_change_is_logged(session, make_staff):
    lead = Actor.of(make_staff("ahmed", roles=["lead"], skills=[("burgerzaken", "primary")]))
    fatima = make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary"), ("sociaal", "secondary")])
    now = utcnow()
    sociaal = session.scalar(select(Domain).where(Domain.slug == "sociaal"))
    session.add(Contact(channel="phone", domain=sociaal, question="", status="waiting", created_at=now,
                        queued_at=now, rank_at=now))
    queues.set_presence(session, fatima, "available", now)
    session.commit()
    settings = QueueSettings(headstart_s={})
    assert queues.peek_next(session, fatima, Actor.of(fatima), now, settings) is not None
    burgerzaken = session.scalar(select(Domain.id).where(Domain.slug == "burgerzaken"))
    revision = fatima.revision
    floor.deploy(session, lead, fatima.id, {burgerzaken}, now)
    session.commit()
    session.refresh(fatima)
    assert fatima.revision == revision + 1 and fatima.serving_levels == {burgerzaken: "primary"}
    assert queues.peek_next(session, fatima, Actor.of(fatima), now, settings) is None  # routing at once
    assert Actor.of(fatima).skill_levels.keys() == {burgerzaken, sociaal.id}  # what she may see is unchanged
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "staff.deploy")).one()
    assert entry.detail == "burgerzaken"


def test_bad_deployments_change_nothing(session, make_staff):
    lead = Actor.of(make_staff("ahmed", roles=["lead"], skills=[("burgerzaken", "primary")]))
    agent = Actor.of(make_staff("sanne", roles=["agent"], skills=[("burgerzaken", "primary")]))
    fatima = make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary")])
    vergunningen = session.scalar(select(Domain.id).where(Domain.slug == "vergunningen"))
    with pytest.raises(ValidationError):
        floor.deploy(session, lead, fatima.id, set(), utcnow())
    with pytest.raises(ValidationError):
        floor.deploy(session, lead, fatima.id, {vergunningen}, utcnow())
    with pytest.raises(NotAllowed):
        floor.deploy(session, agent, fatima.id, {vergunningen}, utcnow())
    assert all(skill.serving for skill in session.get(Staff, fatima.id).skills)


def test_the_deployment_screen_saves_and_says_what_is_wrong(session, make_staff, auth):
    make_staff("ahmed", roles=["lead"], skills=[("burgerzaken", "primary")])
    fatima = make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary"), ("algemeen", "secondary")])
    session.commit()
    auth.login("ahmed")
    page = auth.client.get("/vloer/inzet").get_data(as_text=True)
    assert "Fatima" in page and "Neemt nu de wachtrij van" in page
    refused = auth.post(f"/vloer/inzet/{fatima.id}", {}, page="/vloer/inzet")
    assert refused.status_code == 422 and "kies minstens één domein" in refused.get_data(as_text=True)
    algemeen = session.scalar(select(Domain.id).where(Domain.slug == "algemeen"))
    saved = auth.post(f"/vloer/inzet/{fatima.id}", {"serving": [str(algemeen)]}, page="/vloer/inzet",
                      follow_redirects=True)  # post, redirect, get: a refresh does not post again
    assert saved.status_code == 200 and "Opgeslagen" in saved.get_data(as_text=True)
    session.expire_all()
    assert session.get(Staff, fatima.id).serving_levels == {algemeen: "secondary"}
