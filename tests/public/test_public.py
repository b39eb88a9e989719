"""The citizen's web question form: no login, data-minimal, CSRF, rate-limited, keeps what was typed."""
import pytest
from sqlalchemy import select

from kcc import create_app
from kcc.models import Contact
from tests.conftest import csrf_from


def _send(client, **fields):
    token = csrf_from(client.get("/vraag").get_data(as_text=True))
    data = {"question": "", "name": "", "email": "", "phone": "", "language": "nl", **fields, "csrf_token": token}
    return client.post("/vraag", data=data)


def test_the_form_asks_only_what_is_needed(client):
    html = client.get("/vraag").get_data(as_text=True)
    assert "Stel uw vraag aan de gemeente" in html
    for asked in ('name="question"', 'name="name"', 'name="email"', 'name="phone"', 'name="language"'):
        assert asked in html
    for never in ("bsn", "geboortedatum", "geslacht", "gender"):
        assert f'name="{never}"' not in html.lower()


def test_a_question_arrives_routed_and_the_citizen_reads_what_happens_next(client, session):
    response = _send(client, question="Mijn paspoort is verlopen, wat neem ik mee?", name="Anna",
                     email="anna@example.nl")
    assert response.status_code == 302 and response.headers["Location"].endswith("/vraag/ontvangen")
    html = client.get("/vraag/ontvangen").get_data(as_text=True)
    contact = session.scalars(select(Contact)).one()
    assert contact.channel == "web" and contact.domain.slug == "burgerzaken" and contact.citizen.email == "anna@example.nl"
    assert f"KCC-{contact.id:06d}" in html and "Burgerzaken" in html and "per e-mail" in html
    assert "Neem uw oude paspoort" in html  # prerequisites told before anyone waits
    assert "moet" not in html.lower().split("<main", 1)[1]  # B1: no 'moet'


def test_without_contact_details_the_citizen_is_told_we_cannot_answer(client):
    _send(client, question="Wanneer wordt het grofvuil opgehaald?")
    assert "kunnen wij u geen antwoord sturen" in client.get("/vraag/ontvangen").get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"question": ""}, "Schrijf uw vraag op."),
    ({"question": "x" * 2001}, "Uw vraag is te lang"),
    ({"question": "Mijn kliko is gestolen", "phone": "12"}, "dit telefoonnummer bestaat niet"),
    ({"question": "Mijn kliko is gestolen", "email": "anna@"}, "geen e-mailadres"),
])
def test_bad_input_keeps_what_was_typed_and_says_what_to_fix(client, session, fields, message):
    response = _send(client, name="Anna de Vries", **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and 'value="Anna de Vries"' in html
    if fields["question"] and len(fields["question"]) < 100:
        assert fields["question"] in html
    assert session.scalars(select(Contact)).first() is None


def test_a_post_without_csrf_token_is_refused(client):
    assert client.post("/vraag", data={"question": "paspoort"}).status_code == 400


def test_too_many_questions_from_one_address_are_held_and_kept(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True},
                     environ={"KCC_ENV": "testing", "KCC_WEB_QUESTIONS_PER_HOUR": "2"})
    client = app.test_client()
    assert _send(client, question="grofvuil ophalen").status_code == 302
    assert _send(client, question="grofvuil ophalen").status_code == 302
    third = _send(client, question="mijn derde vraag over grofvuil")
    assert third.status_code == 429 and "mijn derde vraag over grofvuil" in third.get_data(as_text=True)
    app.extensions["kcc.engine"].dispose()


def test_a_long_paste_is_refused_with_a_message_and_kept_not_cut(client, session):
    """The browser must not cut a 5,000-character paste silently: no maxlength; the counter and the server say it."""
    page = client.get("/vraag").get_data(as_text=True)
    question_field = page.split('name="question"', 1)[0].rsplit("<textarea", 1)[1] + page.split('name="question"', 1)[1].split(">", 1)[0]
    assert "maxlength" not in question_field and 'data-max-chars="2000"' in question_field
    text = "Mijn container is niet geleegd. " * 160  # 5,120 characters
    response = _send(client, question=text)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Uw vraag is te lang" in html and text.strip() in html
    assert session.scalars(select(Contact)).first() is None
