"""Citizen contact details, normalised so a repeat caller is recognised: phone as E.164, e-mail lower-case."""
from __future__ import annotations

import re

import phonenumbers

from kcc.core.errors import Msg, ValidationError

EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def normalise_phone(raw: str | None, region: str = "NL") -> str | None:
    """'06 12345678' → '+31612345678'; raise ValidationError for something that is not a phone number."""
    if raw is None or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError({"phone": Msg("dit is geen telefoonnummer; schrijf het als 06 12345678 of +31 20 123 4567")}) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError({"phone": Msg("dit telefoonnummer bestaat niet; controleer de cijfers")})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    email = raw.strip()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise ValidationError({"email": Msg("dit is geen e-mailadres; schrijf het als naam@voorbeeld.nl")})
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"
