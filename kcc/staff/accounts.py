"""Staff accounts: creation, roles, skills, languages, teams, passwords, login throttling, API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from kcc.content.languages import is_language
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Msg, NotFound, ValidationError
from kcc.core.timeutil import utcnow
from kcc.models import ROLES, SKILL_LEVELS, ApiToken, Domain, Skill, Staff, StaffLanguage, StaffRole, Team, WebSession
from kcc.staff.passwords import hash_password, policy_problem, verify_password

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
MAX_SKILLS = 2
TOKEN_PREFIX = "kcc_"


def parse_list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def parse_skills(text: str | None) -> list[tuple[str, str]]:
    """'burgerzaken:primary,sociaal:secondary' → [('burgerzaken', 'primary'), ('sociaal', 'secondary')]."""
    skills = []
    for part in parse_list(text):
        slug, _, level = part.partition(":")
        skills.append((slug.strip(), (level or "primary").strip()))
    return skills


def find_staff(session: Session, username: str) -> Staff | None:
    return session.scalar(select(Staff).where(Staff.username == username.strip().lower()))


def get_staff(session: Session, username: str) -> Staff:
    staff = find_staff(session, username)
    if staff is None:
        raise NotFound(f"No staff member named {username!r}.")
    return staff


def _check_roles(roles: list[str]) -> Msg | None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        return Msg("onbekende rol %(unknown)s; kies uit %(roles)s", unknown=", ".join(unknown), roles=", ".join(ROLES))
    return None


def _resolve_skills(session: Session, skills: list[tuple[str, str]]) -> tuple[list[Skill], Msg | None]:
    if len(skills) > MAX_SKILLS:
        return [], Msg("een medewerker werkt in hoogstens %(max)d domeinen", max=MAX_SKILLS)
    seen, rows = set(), []
    for slug, level in skills:
        if level not in SKILL_LEVELS:
            return [], Msg("niveau van %(domain)s is primary of secondary, niet %(level)s", domain=slug, level=level)
        domain = session.scalar(select(Domain).where(Domain.slug == slug, Domain.active.is_(True)))
        if domain is None:
            known = ", ".join(session.scalars(select(Domain.slug).where(Domain.active.is_(True)))) or "none yet"
            return [], Msg("onbekend domein %(domain)s (bekend: %(known)s)", domain=slug, known=known)
        if slug in seen:
            return [], Msg("domein %(domain)s staat er twee keer in", domain=slug)
        seen.add(slug)
        rows.append(Skill(domain=domain, level=level))
    if sum(1 for s in rows if s.level == "primary") > 1:
        return [], Msg("kies één primair domein; het tweede is secundair")
    return rows, None


def _resolve_teams(session: Session, slugs: list[str]) -> tuple[list[Team], Msg | None]:
    teams = []
    for slug in slugs:
        team = session.scalar(select(Team).where(Team.slug == slug, Team.active.is_(True)))
        if team is None:
            return [], Msg("onbekend team %(team)s", team=slug)
        teams.append(team)
    return teams, None


def _check_languages(codes: list[str]) -> Msg | None:
    bad = [c for c in codes if not (LANGUAGE_RE.match(c) and is_language(c))]
    if bad:
        return Msg("gebruik tweeletterige taalcodes (ISO 639-1) zoals nl, fy, en; niet %(bad)s", bad=", ".join(bad))
    return None


@dataclass
class StaffInput:
    """What an administrator fills in for an employee; checked as a whole so every problem shows at once."""

    username: str
    name: str
    roles: list[str]
    skills: list[tuple[str, str]]
    languages: list[str]
    teams: list[str]
    email: str | None = None
    active: bool = True


def _apply(session: Session, staff: Staff, data: StaffInput, problems: dict[str, Msg]) -> None:
    if not data.name.strip():
        problems["name"] = Msg("vul de naam van de medewerker in")
    if not data.roles:
        problems["roles"] = Msg("kies minstens één rol")
    elif (problem := _check_roles(data.roles)) is not None:
        problems["roles"] = problem
    skills, problem = _resolve_skills(session, data.skills)
    if problem:
        problems["skills"] = problem
    languages = data.languages or ["nl"]
    if (problem := _check_languages(languages)) is not None:
        problems["languages"] = problem
    teams, problem = _resolve_teams(session, data.teams)
    if problem:
        problems["teams"] = problem
    if data.email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", data.email):
        problems["email"] = Msg("dit is geen e-mailadres")
    if problems:
        raise ValidationError(problems)
    staff.revision = (staff.revision or 0) + 1
    staff.name = data.name.strip()
    staff.email = data.email or None
    staff.active = data.active
    staff.role_rows = [StaffRole(role=r) for r in dict.fromkeys(data.roles)]
    staff.skills = [Skill(domain=s.domain, level=s.level) for s in skills]
    staff.language_rows = [StaffLanguage(code=c) for c in dict.fromkeys(languages)]
    staff.teams = teams


def create_staff(session: Session, data: StaffInput, password: str, *, actor: Actor) -> Staff:
    """Create an employee; raises ValidationError with every problem, writing nothing."""
    problems: dict[str, Msg] = {}
    username = data.username.strip().lower()
    if not USERNAME_RE.match(username):
        problems["username"] = Msg("gebruik 2 tot 60 kleine letters, cijfers, punten, streepjes of liggende streepjes")
    elif find_staff(session, username) is not None:
        problems["username"] = Msg("%(username)s bestaat al", username=username)
    if (problem := policy_problem(password)) is not None:
        problems["password"] = problem
    staff = Staff(username=username, password_hash="", session_version=1, active=True)
    _apply(session, staff, data, problems)
    staff.password_hash = hash_password(password)
    session.add(staff)
    session.flush()
    audit.record(session, actor, "staff.create", object_type="staff", object_id=staff.id, detail=staff.username)
    return staff


def update_staff(session: Session, staff: Staff, data: StaffInput, *, actor: Actor) -> Staff:
    """Change roles, skills, languages, teams; deactivating ends every session of the employee."""
    was_active, had_roles = staff.active, set(staff.roles)
    _apply(session, staff, data, {})
    session.flush()
    audit.record(session, actor, "staff.update", object_type="staff", object_id=staff.id, detail=staff.username)
    if was_active and not staff.active:
        end_all_sessions(session, staff, "deactivated", actor=actor)
    elif set(data.roles) != had_roles:
        end_all_sessions(session, staff, "roles", actor=actor)  # a new set of rights begins with a new login
    return staff


def set_roles(session: Session, staff: Staff, roles: list[str], *, actor: Actor) -> None:
    if not roles:
        raise ValidationError({"roles": Msg("kies minstens één rol")})
    if (problem := _check_roles(roles)) is not None:
        raise ValidationError({"roles": problem})
    changed = set(roles) != set(staff.roles)
    staff.role_rows = [StaffRole(role=r) for r in dict.fromkeys(roles)]
    staff.revision = (staff.revision or 0) + 1
    session.flush()
    audit.record(session, actor, "staff.roles", object_type="staff", object_id=staff.id, detail=",".join(roles))
    if changed:
        end_all_sessions(session, staff, "roles", actor=actor)


def set_password(session: Session, staff: Staff, password: str, *, actor: Actor) -> None:
    """Set a new password and end the employee's other sessions."""
    if (problem := policy_problem(password)) is not None:
        raise ValidationError({"password": problem})
    staff.password_hash = hash_password(password)
    session.flush()
    audit.record(session, actor, "staff.password", object_type="staff", object_id=staff.id)
    end_all_sessions(session, staff, "password", actor=actor)


# --- login ------------------------------------------------------------------------------------------

@dataclass
class LoginPolicy:
    max_failures: int = 5
    max_failures_ip: int = 20
    lockout_minutes: int = 15


ACCOUNT_WIDE = 4  # failures from every address together lock an account at this many times the per-address limit


def login_name(staff: Staff | None, typed: str) -> str:
    """How a login attempt is named in the audit log: the user name when it exists; otherwise a short hash,
    since what was typed into the user-name field may be someone's password."""
    if staff is not None:
        return staff.username
    return "onbekend:" + hashlib.sha256(typed.strip().lower().encode()).hexdigest()[:10]


def is_throttled(session: Session, name: str, origin: str, policy: LoginPolicy) -> bool:
    """Too many recent failures: refuse without checking the password. Counted per account and address, so a
    stranger guessing from one address cannot lock an administrator out of their own desk; per address over
    every account; and per account over every address only at ACCOUNT_WIDE times the limit (a spread attack)."""
    since = utcnow() - timedelta(minutes=policy.lockout_minutes)

    def failures(**where: str) -> int:
        return audit.count_since(session, "session.login", "failure", since, **where)

    return (failures(actor_name=name, origin=origin) >= policy.max_failures
            or failures(origin=origin) >= policy.max_failures_ip
            or failures(actor_name=name) >= policy.max_failures * ACCOUNT_WIDE)


def authenticate(session: Session, username: str, password: str, origin: str, policy: LoginPolicy) -> tuple[Staff | None, str]:
    """Check a login and write it to the audit log. Returns (staff or None, reason code).

    The account's row stays locked until the request commits, so simultaneous guesses at one account are checked
    one after another, each counting the failures written before it (PostgreSQL; SQLite's writers already go
    one at a time): forty at once get no more password checks than the limit."""
    staff = session.scalar(select(Staff).where(Staff.username == username.strip().lower()).with_for_update())
    name = login_name(staff, username)
    if is_throttled(session, name, origin, policy):
        audit.record(session, None, "session.login", result="throttled", actor_name=name, origin=origin)
        return None, "throttled"
    if not verify_password(staff.password_hash if staff else None, password) or staff is None:
        audit.record(session, None, "session.login", result="failure", actor_name=name, origin=origin)
        return None, "invalid"
    if not staff.active:
        audit.record(session, Actor.of(staff, origin), "session.login", result="failure", detail="account inactive")
        return None, "invalid"
    if "integration" in staff.roles:  # the telephony platform's account works through API tokens, never the screens
        audit.record(session, Actor.of(staff, origin), "session.login", result="failure",
                     detail="integration account: API tokens only")
        return None, "invalid"
    staff.last_login_at = utcnow()
    audit.record(session, Actor.of(staff, origin), "session.login")
    return staff, "ok"


def start_session(session: Session, staff: Staff, origin: str, browser: str, now: datetime) -> str:
    """A new login on the screens: its row, and the random id the cookie carries (only its hash is kept)."""
    plain = secrets.token_urlsafe(32)
    session.add(WebSession(staff_id=staff.id, token_hash=_token_hash(plain), created_at=now, last_seen_at=now,
                           origin=origin[:64], browser=browser[:200]))
    session.flush()
    return plain


def live_session(session: Session, staff_id: int, plain: str, now: datetime, lifetime: timedelta) -> Staff | None:
    """The employee of a session that has not ended and is younger than `lifetime`: one statement, on every
    request of the screens (it is what Flask-Login's user loader runs)."""
    return session.scalar(select(Staff).join(WebSession, WebSession.staff_id == Staff.id)
                          .where(Staff.id == staff_id, Staff.active.is_(True), WebSession.token_hash == _token_hash(plain),
                                 WebSession.ended_at.is_(None), WebSession.created_at > now - lifetime))


def touch_session(session: Session, plain: str, now: datetime) -> None:
    """When the session was last used (what an administrator sees); the caller does this at most once a minute."""
    session.execute(update(WebSession).where(WebSession.token_hash == _token_hash(plain), WebSession.ended_at.is_(None))
                    .values(last_seen_at=now))


def end_session(session: Session, actor: Actor, why: str, plain: str | None = None) -> None:
    """A staff session ends: logged out or idle past the timeout (`why`: "logout" or "timeout"); its row is
    closed, so the cookie opens nothing any more. (Past its lifetime a session is simply no longer found.)"""
    if plain:
        session.execute(update(WebSession).where(WebSession.token_hash == _token_hash(plain),
                                                 WebSession.ended_at.is_(None))
                        .values(ended_at=utcnow(), ended_why=why))
    audit.record(session, actor, {"logout": "session.logout", "timeout": "session.timeout"}[why],
                 object_type="staff", object_id=actor.id or "")


def end_all_sessions(session: Session, staff: Staff, why: str, *, actor: Actor) -> int:
    """End every open session of this employee at once (a new password, deactivation, new roles, an
    administrator's choice); returns how many were open."""
    staff.session_version += 1  # and every cookie made before this kcc kept sessions on the server
    ended = session.execute(update(WebSession).where(WebSession.staff_id == staff.id, WebSession.ended_at.is_(None))
                            .values(ended_at=utcnow(), ended_why=why)).rowcount  # type: ignore[attr-defined]
    if ended:
        audit.record(session, actor, "session.ended", object_type="staff", object_id=staff.id,
                     detail=f"{ended} session(s): {why}")
    return ended


def end_one_session(session: Session, staff: Staff, session_id: int, *, actor: Actor) -> None:
    """An administrator ends one of an employee's sessions (a computer left logged in somewhere)."""
    ended = session.execute(update(WebSession).where(WebSession.id == session_id, WebSession.staff_id == staff.id,
                                                     WebSession.ended_at.is_(None))
                            .values(ended_at=utcnow(), ended_why="admin")).rowcount  # type: ignore[attr-defined]
    if not ended:
        raise NotFound(Msg("deze sessie is al beëindigd"))
    audit.record(session, actor, "session.ended", object_type="staff", object_id=staff.id, detail="1 session: admin")


def active_sessions(session: Session, staff: Staff, now: datetime, lifetime: timedelta) -> list[WebSession]:
    """The employee's sessions that could still be used, newest first."""
    return list(session.scalars(select(WebSession).where(WebSession.staff_id == staff.id, WebSession.ended_at.is_(None),
                                                         WebSession.created_at > now - lifetime)
                                .order_by(WebSession.created_at.desc())))


# --- API tokens -------------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, staff: Staff, label: str = "", *, actor: Actor,
                 expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a new token, optionally ending by itself at `expires_at`; the plain token is returned once and never
    stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(staff=staff, token_hash=_token_hash(plain), label=label[:100], created_at=utcnow(),
                     expires_at=expires_at)
    session.add(token)
    session.flush()
    audit.record(session, actor, "token.create", object_type="token", object_id=token.id, detail=staff.username)
    return token, plain


def revoke_token(session: Session, token_id: int, *, actor: Actor) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No token with id {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    session.flush()
    audit.record(session, actor, "token.revoke", object_type="token", object_id=token.id)
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


class Principals:
    """Token → Actor with one row read per call: revoking a token, deactivating an employee or
    changing their roles takes effect on the very next call (the row carries `revoked_at`, `active` and
    the `revision` the cached profile must match)."""

    LAST_USED_EVERY = timedelta(minutes=1)  # precise enough to see which tokens are in use
    _TOKEN = (select(ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.last_used_at,
                     Staff.id.label("staff_id"), Staff.active, Staff.revision)
              .join(Staff, Staff.id == ApiToken.staff_id).where(ApiToken.token_hash == bindparam("token_hash")))

    def __init__(self, max_profiles: int = 10_000):
        self._profiles: dict[int, Actor] = {}
        self._max = max_profiles

    def for_token(self, session: Session, plain: str, now: datetime) -> Actor | None:
        """The token's actor (None: unknown, revoked, expired or inactive); last_used_at is written at most once a
        minute, committed with the call's own work."""
        if not plain.startswith(TOKEN_PREFIX):
            return None
        conn = session.connection()
        row = conn.execute(self._TOKEN, {"token_hash": _token_hash(plain)}).first()
        if row is None or row.revoked_at is not None or not row.active or (row.expires_at and row.expires_at <= now):
            return None
        if row.last_used_at is None or now - row.last_used_at > self.LAST_USED_EVERY:
            conn.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        return self.profile(session, row.staff_id, row.revision)

    def profile(self, session: Session, staff_id: int, revision: int) -> Actor:
        """The employee's roles, skills, languages and teams, read once per revision of their row (screens and
        API alike: a poll every few seconds must not load five tables each time)."""
        principal = self._profiles.get(staff_id)
        if principal is None or principal.revision != revision:
            staff = session.scalar(select(Staff).where(Staff.id == staff_id).options(
                joinedload(Staff.role_rows), joinedload(Staff.language_rows), joinedload(Staff.skills),
                joinedload(Staff.teams)).execution_options(populate_existing=True))
            assert staff is not None  # called for a row just read: the token's staff member, or the logged-in user
            principal = Actor.of(staff)
            if len(self._profiles) >= self._max:
                self._profiles.clear()
            self._profiles[staff_id] = principal
        return principal
