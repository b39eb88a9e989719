"""Signals on screen: flagged beside a contact (a mistake keeps what was typed), the board for seniors and the
lead only, triage refused to a senior of another domain, and a sociaal contact never opened through a signal."""
from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.models import Contact, Domain, Signal
from kcc.signals import operations as signals


def _in_hand(session, staff, slug="burgerzaken") -> Contact:
    now = utcnow()
    contact = Contact(channel="phone", domain=session.scalar(select(Domain).where(Domain.slug == slug)), question="",
                      status="in_progress", owner_id=staff.id, created_at=now, queued_at=now, answered_at=now)
    session.add(contact)
    session.commit()
    return contact


def test_flagging_beside_a_contact_and_a_mistake_that_keeps_the_text(session, make_staff, auth):
    fatima = make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary")])
    contact = _in_hand(session, fatima)
    auth.login("fatima")
    page = auth.client.get("/werkplek").get_data(as_text=True)
    assert "Knelpunt melden" in page and f'id="flag-{contact.id}"' in page
    refused = auth.post(f"/knelpunten/contact/{contact.id}", {"text": "  ", "suggestion": "Zet het in de brief"},
                        page="/werkplek", headers={"HX-Request": "true"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "schrijf in een zin wat er misging" in html and "Zet het in de brief" in html
    assert session.scalar(select(Signal.id)) is None
    done = auth.post(f"/knelpunten/contact/{contact.id}", {"text": "De brief noemt de pasfoto niet",
                                                           "domains": ["burgerzaken"]},
                     page="/werkplek", headers={"HX-Request": "true"})
    signal = session.scalar(select(Signal))
    assert done.status_code == 200 and f"Gemeld als knelpunt #{signal.id}" in done.get_data(as_text=True)
    assert [link.contact_id for link in signal.links] == [contact.id]


def test_a_contact_one_may_not_see_cannot_be_flagged(session, make_staff, auth):
    fatima = make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary")])
    pieter = make_staff("pieter", roles=["agent"], skills=[("sociaal", "primary")])
    theirs = _in_hand(session, pieter, "sociaal")
    _in_hand(session, fatima)
    auth.login("fatima")
    answer = auth.post(f"/knelpunten/contact/{theirs.id}", {"text": "x"}, page="/werkplek")
    assert answer.status_code == 403 and session.scalar(select(Signal.id)) is None


def test_the_board_is_for_seniors_and_the_lead_and_triage_for_the_domains_own(session, make_staff, auth):
    fatima = make_staff("fatima", roles=["agent"], skills=[("sociaal", "primary")])
    make_staff("tom", roles=["senior", "agent"], skills=[("vergunningen", "primary")])
    make_staff("marieke", roles=["senior", "agent"], skills=[("sociaal", "primary")])
    contact = _in_hand(session, fatima, "sociaal")
    signal = signals.raise_signal(session, Actor.of(fatima), contact, signals.parse(
        {"text": "Wachtlijst schuldhulp niet op de website"}), utcnow())
    session.commit()
    auth.login("fatima")
    assert auth.client.get("/verbeteren").status_code == 403
    auth.logout()
    auth.login("tom")
    board = auth.client.get("/verbeteren?domein=sociaal").get_data(as_text=True)
    assert "Wachtlijst schuldhulp" in board
    detail = auth.client.get(f"/verbeteren/knelpunt/{signal.id}").get_data(as_text=True)
    assert f"/contact/{contact.id}" not in detail and "Oppakken kan een senior van Sociaal" in detail
    refused = auth.post(f"/verbeteren/knelpunt/{signal.id}/stap", {"status": "analysing"},
                        page=f"/verbeteren/knelpunt/{signal.id}")
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(Signal, signal.id).status == "new"
    auth.logout()
    auth.login("marieke")
    detail = auth.client.get(f"/verbeteren/knelpunt/{signal.id}").get_data(as_text=True)
    assert f"/contact/{contact.id}" in detail  # her own domain: the contact opens
    wrong = auth.post(f"/verbeteren/knelpunt/{signal.id}/stap", {"status": "action_agreed", "action": "x"},
                      page=f"/verbeteren/knelpunt/{signal.id}")
    assert wrong.status_code == 409 and "de volgende stap is" in wrong.get_data(as_text=True)
    no_reason = auth.post(f"/verbeteren/knelpunt/{signal.id}/stap", {"status": "not_doing", "action": " "},
                          page=f"/verbeteren/knelpunt/{signal.id}")
    assert no_reason.status_code == 422 and "schrijf op waarom" in no_reason.get_data(as_text=True)
    into_itself = auth.post(f"/verbeteren/knelpunt/{signal.id}/samenvoegen", {"into": str(signal.id)},
                            page=f"/verbeteren/knelpunt/{signal.id}")
    assert into_itself.status_code == 422 and "met zichzelf" in into_itself.get_data(as_text=True)
    bad_date = auth.post(f"/verbeteren/knelpunt/{signal.id}/gegevens", {"tags": "web", "action_date": "morgen"},
                         page=f"/verbeteren/knelpunt/{signal.id}")
    assert bad_date.status_code == 422 and 'value="morgen"' in bad_date.get_data(as_text=True)
    moved = auth.post(f"/verbeteren/knelpunt/{signal.id}/stap", {"status": "analysing"},
                      page=f"/verbeteren/knelpunt/{signal.id}")
    assert moved.status_code == 302
    session.expire_all()
    assert session.get(Signal, signal.id).status == "analysing"
