"""Staff accounts and tokens, tested as domain functions without HTTP."""
import pytest
from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.core.errors import ValidationError
from kcc.core.timeutil import utcnow
from kcc.models import ApiToken, Staff
from kcc.staff import accounts


def _input(**overrides):
    values = dict(username="anna", name="Anna de Jong", roles=["agent"], skills=[("burgerzaken", "primary")],
                  languages=["nl", "en"], teams=[])
    values.update(overrides)
    return accounts.StaffInput(**values)


def test_create_staff_hashes_with_argon2(session):
    staff = accounts.create_staff(session, _input(), "a-long-enough-password", actor=Actor.system("test"))
    session.commit()
    assert staff.password_hash.startswith("$argon2id$")
    assert staff.roles == ["agent"] and sorted(staff.languages) == ["en", "nl"]
    assert [(s.domain.slug, s.level) for s in staff.skills] == [("burgerzaken", "primary")]


def test_every_problem_is_reported_and_nothing_written(session):
    with pytest.raises(ValidationError) as error:
        accounts.create_staff(session, _input(username="A B", roles=["boss"], languages=["dutch"],
                                              skills=[("burgerzaken", "primary"), ("sociaal", "primary")],
                                              teams=["nope"]), "short", actor=Actor.system("test"))
    assert set(error.value.fields) == {"username", "roles", "languages", "skills", "teams", "password"}
    session.rollback()
    assert session.scalar(select(Staff).where(Staff.username == "a b")) is None


@pytest.mark.parametrize("skills, message", [
    ([("burgerzaken", "primary"), ("sociaal", "secondary"), ("algemeen", "secondary")], "hoogstens 2 domeinen"),
    ([("paspoorten", "primary")], "onbekend domein"),
    ([("burgerzaken", "expert")], "primary of secondary"),
])
def test_skills_are_checked(session, skills, message):
    with pytest.raises(ValidationError, match=message):
        accounts.create_staff(session, _input(skills=skills), "a-long-enough-password", actor=Actor.system("test"))


def test_duplicate_username_is_refused(session, make_staff):
    make_staff("anna")
    with pytest.raises(ValidationError, match="bestaat al"):
        accounts.create_staff(session, _input(username="Anna"), "a-long-enough-password", actor=Actor.system("test"))


def test_password_change_bumps_session_version(session, make_staff):
    staff = make_staff("anna")
    version = staff.session_version
    accounts.set_password(session, staff, "another-long-password", actor=Actor.system("test"))
    assert staff.session_version == version + 1
    with pytest.raises(ValidationError, match="minstens 12"):
        accounts.set_password(session, staff, "kort", actor=Actor.system("test"))


def test_token_is_stored_only_as_hash_and_can_be_revoked(session, make_staff):
    staff = make_staff("telefonie", roles=["integration"])
    row, plain = accounts.create_token(session, staff, "telefonie", actor=Actor.system("test"))
    session.commit()
    assert plain.startswith("kcc_") and plain not in {t.token_hash for t in session.scalars(select(ApiToken))}
    principals = accounts.Principals()
    assert principals.for_token(session, plain, utcnow()).id == staff.id
    assert principals.for_token(session, plain + "x", utcnow()) is None
    accounts.revoke_token(session, row.id, actor=Actor.system("test"))
    assert principals.for_token(session, plain, utcnow()) is None


def test_token_of_deactivated_staff_stops_working(session, make_staff):
    staff = make_staff("telefonie", roles=["integration"])
    _, plain = accounts.create_token(session, staff, actor=Actor.system("test"))
    session.commit()
    principals = accounts.Principals()
    assert principals.for_token(session, plain, utcnow()).has_role("integration")
    staff.active = False
    session.commit()
    assert principals.for_token(session, plain, utcnow()) is None


def test_token_profile_follows_role_and_skill_changes_at_once(session, make_staff):
    """The cached profile is only trusted while the employee's revision is unchanged."""
    staff = make_staff("anna", roles=["agent"], skills=[("burgerzaken", "primary")])
    _, plain = accounts.create_token(session, staff, actor=Actor.system("test"))
    session.commit()
    principals = accounts.Principals()
    before = principals.for_token(session, plain, utcnow())
    assert before.has_role("agent") and not before.has_role("lead")
    assert principals.for_token(session, plain, utcnow()) is before  # unchanged: not loaded again
    accounts.update_staff(session, staff, accounts.StaffInput(
        username="anna", name="Anna", roles=["lead"], skills=[("sociaal", "primary")], languages=["nl", "en"],
        teams=[]), actor=Actor.system("test"))
    session.commit()
    after = principals.for_token(session, plain, utcnow())
    assert after.has_role("lead") and not after.has_role("agent")
    assert set(after.skill_levels.values()) == {"primary"} and after.languages == ("en", "nl")
    assert list(after.skill_levels) == [staff.skills[0].domain_id]


def test_a_language_code_must_be_a_real_one(session):
    """"fy" is Frisian and welcome; "xx" looks like a code but is no language."""
    with pytest.raises(ValidationError) as caught:
        accounts.create_staff(session, _input(username="karel", languages=["nl", "xx"]), "a-long-enough-password",
                              actor=Actor.system("test"))
    assert "xx" in str(caught.value.fields["languages"])
    staff = accounts.create_staff(session, _input(username="sjoukje", languages=["nl", "fy"]), "a-long-enough-password",
                                  actor=Actor.system("test"))
    assert sorted(staff.languages) == ["fy", "nl"]
