"""`kcc mail import`: e-mails become routed contacts; a bad message is reported and stays where it was."""
from email.message import EmailMessage

from sqlalchemy import select

from kcc.models import Contact
from tests.cli.test_cli import run


def _mail(sender="Anna Bos <a.bos@example.nl>", subject="Container niet geleegd",
          body="Onze groene container is vandaag niet geleegd in de Dorpsstraat.", msgid="<1@example.nl>", html=None):
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = "info@gemeente.example"
    if subject:
        message["Subject"] = subject
    if msgid:
        message["Message-ID"] = msgid
    if html:
        message.set_content(html, subtype="html")
    elif body is not None:
        message.set_content(body)
    return bytes(message)


def _maildir(tmp_path, messages: dict[str, bytes]):
    folder = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True)
    for name, raw in messages.items():
        (folder / "new" / name).write_bytes(raw)
    return folder


def test_mail_becomes_routed_contacts_and_bad_mail_stays_reported(tmp_path, database_url, session):
    folder = _maildir(tmp_path, {
        "1.plain": _mail(),
        "2.html": _mail(sender="k.meijer@example.nl", subject="Vraag", msgid="<2@example.nl>",
                        html="<p>Mijn <b>paspoort</b> is verlopen, wat neem ik mee?</p>"),
        "3.reply": _mail(sender="Wim <wim@example.nl>", subject="Re: rijbewijs", msgid="<3@example.nl>",
                         body="Mijn rijbewijs is nog niet klaar.\n\nOp 1 nov. 2026 schreef Gemeente:\n> oud bericht"),
        "4.nosender": _mail(sender=None, msgid="<4@example.nl>"),
        "5.empty": _mail(subject=None, body="", msgid="<5@example.nl>"),
        "6.garbage": b"\x00\x01 dit is geen e-mail",
    })
    result = run("mail", "import", str(folder), url=database_url)
    assert result.returncode == 1
    assert "3 imported, 0 already there, 3 not imported" in result.stdout
    for name in ("4.nosender", "5.empty", "6.garbage"):
        assert f"{folder}/new/{name}: not imported:" in result.stderr
        assert (folder / "new" / name).exists()
    assert sorted(p.name for p in (folder / "cur").iterdir()) == ["1.plain:2,S", "2.html:2,S", "3.reply:2,S"]

    contacts = {c.external_ref: c for c in session.scalars(select(Contact))}
    assert len(contacts) == 3
    container = contacts["mail:<1@example.nl>"]
    assert container.channel == "email" and container.domain.slug == "algemeen"
    assert container.citizen.email == "a.bos@example.nl" and container.citizen.name == "Anna Bos"
    assert "paspoort" in contacts["mail:<2@example.nl>"].question and "<b>" not in contacts["mail:<2@example.nl>"].question
    assert "oud bericht" not in contacts["mail:<3@example.nl>"].question


def test_importing_the_same_message_again_adds_nothing(tmp_path, database_url, session):
    folder = _maildir(tmp_path, {"1": _mail()})
    assert run("mail", "import", str(folder), url=database_url).returncode == 0
    (folder / "new" / "1-again").write_bytes(_mail())
    again = run("mail", "import", str(folder), url=database_url)
    assert again.returncode == 0 and "0 imported, 1 already there" in again.stdout
    assert len(session.scalars(select(Contact)).all()) == 1


def test_a_folder_that_is_not_a_maildir_is_named(tmp_path, database_url):
    result = run("mail", "import", str(tmp_path), url=database_url)
    assert result.returncode == 1 and f"{tmp_path} is not a Maildir" in result.stderr
