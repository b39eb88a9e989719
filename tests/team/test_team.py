"""Care for the team: the weekly mood check seen by the employee and their own lead only, coaching notes between
the two people concerned, and the conversation guide kept by the domain's senior and shown folded beside a contact."""
import pytest
from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.core.errors import NotAllowed, ValidationError
from kcc.core.timeutil import local, utcnow
from kcc.models import AuditLog, Contact, Domain, MoodCheck
from kcc.team import operations as team


@pytest.fixture
def people(session, make_staff):
    return {
        "ahmed": Actor.of(make_staff("ahmed", roles=["lead", "agent"], skills=[("burgerzaken", "primary")])),
        "fatima": Actor.of(make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary")])),
        "pieter": Actor.of(make_staff("pieter", roles=["agent"], skills=[("sociaal", "primary")])),
        "els": Actor.of(make_staff("els", roles=["lead", "agent"], skills=[("sociaal", "primary")])),
        "marieke": Actor.of(make_staff("marieke", roles=["senior", "agent"], skills=[("sociaal", "primary")])),
        "beheer": Actor.of(make_staff("beheer", roles=["admin"])),
    }


def test_a_mood_is_seen_by_the_own_lead_only(session, people):
    today, now = local(utcnow()).date(), utcnow()
    team.set_mood(session, people["fatima"], "yellow", "Druk met verhuizingen", today, now)
    team.set_mood(session, people["fatima"], "green", "", today, now)  # changed her mind: one answer a week
    team.set_mood(session, people["pieter"], "red", "Zwaar gesprek gehad", today, now)
    assert session.scalar(select(MoodCheck.mood).where(MoodCheck.staff_id == people["fatima"].id)) == "green"
    ahmed = team.team_week(session, people["ahmed"], today)
    assert [(name, check.mood if check else None) for _id, name, check in ahmed.members] == [("Fatima", "green")]
    els = team.team_week(session, people["els"], today)
    assert {name for _id, name, _check in els.members} == {"Pieter", "Marieke"} and els.count("red") == 1
    for outsider in ("marieke", "beheer", "fatima"):
        with pytest.raises(NotAllowed):
            team.team_week(session, people[outsider], today)
    with pytest.raises(ValidationError):
        team.set_mood(session, people["fatima"], "blauw", "", today, now)


def test_coaching_notes_are_between_two_people(session, people):
    now = utcnow()
    note = team.add_note(session, people["ahmed"], people["fatima"].id, people["ahmed"].id, "top",
                         "Mooi hoe je de beller geruststelde", now)
    assert [n.id for n in team.notes(session, people["fatima"], people["fatima"].id, people["ahmed"].id)] == [note.id]
    with pytest.raises(NotAllowed):  # a third person
        team.notes(session, people["els"], people["fatima"].id, people["ahmed"].id)
    with pytest.raises(NotAllowed):  # a lead coaching someone outside their team
        team.add_note(session, people["ahmed"], people["pieter"].id, people["ahmed"].id, "goal", "x", now)
    with pytest.raises(ValidationError):
        team.add_note(session, people["fatima"], people["fatima"].id, people["ahmed"].id, "goal", "  ", now)
    assert team.coaches_of(session, people["fatima"]) == [(people["ahmed"].id, "Ahmed")]


def test_the_guide_is_kept_by_the_domains_senior_and_shown_folded(session, people, auth, make_staff):
    sociaal = session.scalar(select(Domain.id).where(Domain.slug == "sociaal"))
    burgerzaken = session.scalar(select(Domain.id).where(Domain.slug == "burgerzaken"))
    team.save_guide(session, people["marieke"], sociaal, "- Luister eerst\n- Vraag naar veiligheid\n", utcnow())
    with pytest.raises(NotAllowed):
        team.save_guide(session, people["marieke"], burgerzaken, "x", utcnow())
    now = utcnow()
    session.add(Contact(channel="phone", domain_id=sociaal, question="", status="in_progress",
                        owner_id=people["pieter"].id, created_at=now, queued_at=now, answered_at=now))
    session.commit()
    auth.login("pieter")
    html = auth.client.get("/werkplek").get_data(as_text=True)
    assert '<details class="kcc-guide">' in html and "<li>Luister eerst</li>" in html and "Vraag naar veiligheid" in html
    assert session.scalars(select(AuditLog).where(AuditLog.action == "guide.update")).first() is not None


def test_the_screens_refuse_another_team_and_keep_what_was_typed(session, people, auth):
    auth.login("fatima")
    wrong = auth.post("/mijn/werkoverleg", {"note": "Even zonder kleur"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "kies groen, geel of rood" in html and "Even zonder kleur" in html
    assert auth.post("/mijn/werkoverleg", {"mood": "green", "note": ""}).status_code == 200
    assert auth.client.get("/vloer/team").status_code == 403
    auth.logout()
    auth.login("els")
    assert auth.client.get(f"/vloer/coaching/{people['fatima'].id}").status_code == 403  # not her team
    assert "Fatima" not in auth.client.get("/vloer/team").get_data(as_text=True)
    auth.logout()
    auth.login("ahmed")
    page = auth.client.get("/vloer/team").get_data(as_text=True)
    assert "Fatima" in page and "groen" in page
