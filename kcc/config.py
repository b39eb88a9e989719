"""Settings read from the environment once, checked at start-up so a typo fails loudly, not later."""
from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENTS = ("development", "production", "testing")
DEV_DISPLAY_CODE = "demo-scherm-in-de-hal"  # the lobby display's code in development only


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and how to fix it."""


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    secret_key: str
    handover_timeout_s: int
    idle_timeout_min: int
    session_max_hours: int  # a login ends this long after it began, however active (beside the idle timeout)
    login_max_failures: int
    login_max_failures_ip: int
    login_lockout_min: int
    smtp_host: str | None
    smtp_port: int
    smtp_tls: bool
    smtp_user: str | None
    smtp_password: str | None
    mail_from: str
    municipality: str
    public_phone: str | None
    written_answer_days: int
    proxies: int  # reverse proxies in front of kcc whose X-Forwarded-For/-Proto are trusted
    queue: QueueSettings
    # the lobby's wall display opens without a login: with this code in its address, or from these networks
    display_code: str | None = None
    display_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    public_url: str = "http://localhost:5000"  # where citizens reach kcc's public pages: links in e-mails
    router_model: str = "instance/router-model.npz"  # the router's trained model (`kcc route train`)
    # retention (kcc.retention), in days: a closed contact and its citizen, a sent mail's body, an audit entry
    retention_contact_days: int = 365
    retention_mail_days: int = 30
    retention_audit_days: int = 730

    @property
    def development(self) -> bool:
        return self.env == "development"


@dataclass(frozen=True)
class QueueSettings:
    """How the queues hand out work; see kcc.queues.operations."""

    language_wait_s: int = 120  # after this, any skilled employee may take a contact in another language
    presence_fresh_s: int = 30  # an available employee not seen for this long is not waited for
    fair_wait_s: int = 5  # a contact waiting longer than this goes to whoever asks first
    headstart_s: Mapping[str, int] | None = None  # per channel: counts as having waited this much longer
    web_questions_per_hour: int = 5  # per address, on the public question form
    max_calls: int = 3  # a desk calls a lobby visitor this often at most; then the visitor is a no-show
    # a contact in progress whose employee's screen and client have said nothing this long goes back to the
    # front of its queue (kcc.queues.operations.release_silent)
    silent_release_min: int = 20
    appointment_early_min: int = 15  # arriving this early or later for an appointment is "on time" …
    appointment_late_min: int = 10  # … and so is this late; outside the window the host decides
    break_after_min: int = 120  # available this long without a pause: the floor lead sees a prompt to care
    appointment_lead_min: int = 30  # an appointment checked in ranks as if it came this long before its time

    def headstart(self, channel: str) -> int:
        return (self.headstart_s or {}).get(channel, 0)


DEFAULT_HEADSTART = {"phone": 300, "counter": 300, "web": 0, "email": 0}


def _headstart(environ: Mapping[str, str]) -> dict[str, int]:
    """KCC_QUEUE_HEADSTART=phone:300,counter:300 — a caller on the line goes before a written question."""
    raw = environ.get("KCC_QUEUE_HEADSTART", "").strip()
    if not raw:
        return dict(DEFAULT_HEADSTART)
    result = {channel: 0 for channel in DEFAULT_HEADSTART}
    for part in raw.split(","):
        channel, _, seconds = part.strip().partition(":")
        if channel not in DEFAULT_HEADSTART or not seconds.strip().isdigit():
            raise ConfigError("KCC_QUEUE_HEADSTART must look like phone:300,counter:300,web:0,email:0 "
                              f"(channel:seconds), got {raw!r}.")
        result[channel] = int(seconds)
    return result


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    return value


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}.")


def _networks(environ: Mapping[str, str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """KCC_DISPLAY_NETWORKS=10.20.0.0/24,192.168.5.7 — the lobby screens' addresses (a network setting)."""
    raw = environ.get("KCC_DISPLAY_NETWORKS", "").strip()
    networks = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError("KCC_DISPLAY_NETWORKS must list addresses or networks like 10.20.0.0/24, "
                              f"separated by commas; {part!r} is neither.") from None
    return tuple(networks)


def _display_code(environ: Mapping[str, str], env: str) -> str | None:
    code = environ.get("KCC_DISPLAY_CODE", "").strip()
    if code and len(code) < 16:
        raise ConfigError("KCC_DISPLAY_CODE must be at least 16 characters, as it opens the lobby display "
                          "without a login; make one with `python3 -c 'import secrets; print(secrets.token_urlsafe(16))'`.")
    if not code and env == "development":
        return DEV_DISPLAY_CODE  # make run: the demo prints the display's address with this code
    return code or None


def default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'kcc.sqlite3'}"


def _secret_key(environ: Mapping[str, str], env: str, instance_path: Path) -> str:
    """Outside development a real key is required; in development one is made once and kept in instance/."""
    key = environ.get("KCC_SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ConfigError("KCC_SECRET_KEY must be at least 32 characters; make one with "
                              "`python3 -c 'import secrets; print(secrets.token_hex(32))'`.")
        return key
    if env == "production":
        raise ConfigError("KCC_SECRET_KEY is required outside development; make one with "
                          "`python3 -c 'import secrets; print(secrets.token_hex(32))'`.")
    if env == "testing":
        return secrets.token_hex(32)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_settings(environ: Mapping[str, str] | None = None, instance_path: Path | None = None) -> Settings:
    """Build Settings from the environment; raise ConfigError naming the variable on the first bad one."""
    environ = os.environ if environ is None else environ
    instance_path = instance_path or Path.cwd() / "instance"
    env = environ.get("KCC_ENV", "production").strip() or "production"
    if env not in ENVIRONMENTS:
        raise ConfigError(f"KCC_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}.")
    url = environ.get("KCC_DATABASE_URL", "").strip() or default_database_url(instance_path)
    if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
        raise ConfigError("KCC_DATABASE_URL must start with sqlite:/// or postgresql+psycopg://, "
                          f"got {url.split(':', 1)[0]!r}.")
    if url.startswith("postgresql:"):
        url = "postgresql+psycopg:" + url[len("postgresql:"):]
    smtp_port = _int(environ, "KCC_SMTP_PORT", 587, minimum=1)
    if smtp_port > 65535:
        raise ConfigError(f"KCC_SMTP_PORT must be a port number (1-65535), got {smtp_port}.")
    return Settings(
        env=env,
        database_url=url,
        secret_key=_secret_key(environ, env, instance_path),
        handover_timeout_s=_int(environ, "KCC_HANDOVER_TIMEOUT_S", 60, minimum=5),
        idle_timeout_min=_int(environ, "KCC_IDLE_TIMEOUT_MIN", 30, minimum=1),
        login_max_failures=_int(environ, "KCC_LOGIN_MAX_FAILURES", 5, minimum=1),
        login_max_failures_ip=_int(environ, "KCC_LOGIN_MAX_FAILURES_IP", 20, minimum=1),
        login_lockout_min=_int(environ, "KCC_LOGIN_LOCKOUT_MIN", 15, minimum=1),
        smtp_host=environ.get("KCC_SMTP_HOST", "").strip() or None,
        session_max_hours=_int(environ, "KCC_SESSION_MAX_HOURS", 10, minimum=1),
        smtp_port=smtp_port,
        smtp_tls=_bool(environ, "KCC_SMTP_TLS", True),
        smtp_user=environ.get("KCC_SMTP_USER", "").strip() or None,
        smtp_password=environ.get("KCC_SMTP_PASSWORD") or None,
        mail_from=environ.get("KCC_MAIL_FROM", "").strip() or "kcc@gemeente.example",
        municipality=environ.get("KCC_MUNICIPALITY", "").strip() or "Gemeente Voorbeeld",
        public_phone=environ.get("KCC_PUBLIC_PHONE", "").strip() or None,
        public_url=environ.get("KCC_PUBLIC_URL", "").strip().rstrip("/") or "http://localhost:5000",
        written_answer_days=_int(environ, "KCC_WRITTEN_ANSWER_DAYS", 2, minimum=1),
        proxies=_int(environ, "KCC_PROXIES", 0),
        queue=QueueSettings(
            language_wait_s=_int(environ, "KCC_LANGUAGE_WAIT_S", 120),
            presence_fresh_s=_int(environ, "KCC_PRESENCE_FRESH_S", 30, minimum=5),
            fair_wait_s=_int(environ, "KCC_FAIR_WAIT_S", 5),
            headstart_s=_headstart(environ),
            web_questions_per_hour=_int(environ, "KCC_WEB_QUESTIONS_PER_HOUR", 5, minimum=1),
            max_calls=_int(environ, "KCC_LOBBY_MAX_CALLS", 3, minimum=1),
            silent_release_min=_int(environ, "KCC_SILENT_RELEASE_MIN", 20, minimum=2),
            appointment_early_min=_int(environ, "KCC_APPOINTMENT_EARLY_MIN", 15),
            break_after_min=_int(environ, "KCC_BREAK_AFTER_MIN", 120, minimum=15),
            appointment_late_min=_int(environ, "KCC_APPOINTMENT_LATE_MIN", 10),
            appointment_lead_min=_int(environ, "KCC_APPOINTMENT_LEAD_MIN", 30),
        ),
        display_code=_display_code(environ, env),
        display_networks=_networks(environ),
        router_model=environ.get("KCC_ROUTER_MODEL", "").strip() or str(instance_path / "router-model.npz"),
        # at least 7: the repeat-contact indicator looks back a week for the same phone number or address
        retention_contact_days=_int(environ, "KCC_RETENTION_CONTACT_DAYS", 365, minimum=7),
        retention_mail_days=_int(environ, "KCC_RETENTION_MAIL_DAYS", 30),
        retention_audit_days=_int(environ, "KCC_RETENTION_AUDIT_DAYS", 730, minimum=30),
    )
