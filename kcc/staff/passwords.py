"""Password hashing with Argon2id; the policy lives here so CLI, admin screens and tests agree."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kcc.core.errors import Msg

MIN_LENGTH = 12
MAX_LENGTH = 256
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown name as slow as one for a known name; made on
    first use, not at import (importing kcc does no work)."""
    return _hasher.hash("kcc-timing-equaliser")


def policy_problem(password: str) -> Msg | None:
    """Return what is wrong with a new password, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return Msg("kies een wachtwoord van minstens %(min)d tekens", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return Msg("kies een wachtwoord van hoogstens %(max)d tekens", max=MAX_LENGTH)
    if password.strip() == "":
        return Msg("een wachtwoord van alleen spaties kan niet")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
