"""A citizen's contact details are normalised, so a repeat caller is recognised whatever the notation."""
import pytest

from kcc.contacts.citizens import normalise_email, normalise_phone
from kcc.core.errors import ValidationError


@pytest.mark.parametrize("raw", ["06 12345678", "0612345678", "+31 6 1234 5678", "0031612345678", "06-12345678"])
def test_one_mobile_number_in_every_notation_is_the_same_number(raw):
    assert normalise_phone(raw) == "+31612345678"


def test_an_e_mail_address_loses_spaces_and_the_capitals_of_its_domain():
    """The part before @ may be case-sensitive at the receiving server; the domain never is."""
    assert normalise_email(" Els.deVries@Example.NL ") == "Els.deVries@example.nl"


@pytest.mark.parametrize("raw", ["12", "geen nummer", "06 1234"])
def test_a_number_that_cannot_be_called_is_a_field_error(raw):
    with pytest.raises(ValidationError) as error:
        normalise_phone(raw)
    assert error.value.fields


def test_empty_details_stay_empty():
    assert normalise_phone("") is None and normalise_email(None) is None
