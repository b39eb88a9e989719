"""What a message asks: the asking sentences apart from the story and the wrapping; objections; acute danger."""
import pytest

from kcc.content.request import objects, parts, shows_danger

MAIL = """Onderwerp: parkeren voor mijn mantelzorger

Beste medewerker,

Sinds de verhuizing naar de Dorpsstraat woont mijn moeder bij ons in. Zij heeft een rolstoel en krijgt hulp
in de huishouding via de Wmo. Mijn zus komt drie keer per week helpen. Kan zij een parkeervergunning krijgen?

Met vriendelijke groet,
Marieke Jansen
Dorpsstraat 12

Verzonden vanaf mijn iPhone
> Op 3 maart schreef Gemeente Voorbeeld:
> Uw vraag over de Wmo is doorgestuurd.
"""


def test_a_mail_is_cut_to_what_it_asks_without_its_wrapping():
    asking, whole = parts(MAIL)
    assert "parkeren voor mijn mantelzorger" in asking and "parkeervergunning" in asking
    assert "Wmo" not in asking and "Wmo" in whole  # the circumstances stay in the whole only
    for wrapping in ("Marieke", "Dorpsstraat 12", "iPhone", "doorgestuurd"):
        assert wrapping not in whole


def test_a_caller_s_name_is_not_part_of_the_question():
    asking, whole = parts("Ja hallo, met Dirk Pronk. Eh, ik heb een cafetaria. Hoe regel ik een terras?")
    assert "Pronk" not in whole and "terras" in asking


def test_a_short_question_is_its_own_request():
    assert parts("paspoort verlengen") == ("paspoort verlengen", "paspoort verlengen")


def test_a_short_asking_sentence_takes_the_one_before_along():
    asking, _ = parts("Wij bouwen een dakkapel. De lantaarnpaal voor ons huis is kapot. Wie repareert die?")
    assert "lantaarnpaal" in asking and "dakkapel" not in asking


@pytest.mark.parametrize("text, expected", [
    ("Ik wil bezwaar maken tegen de weigering van mijn dakkapel", True),
    ("I want to appeal against the decision", True),
    ("Ik ben het niet eens met de WOZ-waarde", True),
    ("Ik wil een dakkapel bouwen", False),
])
def test_objections_are_recognised(text, expected):
    assert objects(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("Mijn man slaat me en ik durf niet naar huis", True),
    ("Hij heeft me vannacht bedreigd met een mes", True),
    ("my partner hits me", True),
    ("Ik wil de boom laten kappen die tegen het huis slaat", False),
    ("Mijn paspoort is gestolen", False),
])
def test_acute_danger_is_recognised(text, expected):
    assert shows_danger(text) is expected
