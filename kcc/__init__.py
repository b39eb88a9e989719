"""kcc — the klantcontactcentrum of a Dutch municipality, as one Flask application."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from kcc.config import load_settings
from kcc.core.db import make_engine, make_sessionmaker


def create_app(test_config: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Flask:
    """Application factory. Settings come from the environment (KCC_*); tests may override them."""
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"), template_folder="web/templates",
                static_folder=str(Path(__file__).resolve().parent.parent / "static"))
    settings = load_settings(environ, Path(app.instance_path))
    app.config.update(
        KCC=settings,
        SECRET_KEY=settings.secret_key,
        DATABASE_URL=settings.database_url,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        SESSION_COOKIE_NAME="kcc_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        # the cookie is written when the session changes (login, and each request that is not a poll moves
        # last_seen), not on every poll: signing and sending it three hundred times a second buys nothing
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session; the idle timeout ends both
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_DEFAULT_TIMEZONE="Europe/Amsterdam",
        IDLE_TIMEOUT_S=settings.idle_timeout_min * 60,
    )
    if test_config:
        app.config.update(test_config)
    if settings.proxies:
        # the citizen's address (audit log, per-address limits) and https, as the trusted proxies pass them on;
        # replacing the method is Flask's documented way to add WSGI middleware, which mypy cannot express
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxies, x_proto=settings.proxies,  # type: ignore[method-assign]
                                x_host=settings.proxies)
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["kcc.engine"] = engine
    app.extensions["kcc.sessionmaker"] = make_sessionmaker(engine)
    from kcc.staff.accounts import Principals
    app.extensions["kcc.principals"] = Principals()

    from kcc.web.input import DatabaseId
    app.url_map.converters["int"] = DatabaseId  # before any route: an id too long for the database is a 404

    register_extensions(app)
    register_request_hooks(app)
    register_blueprints(app)
    from kcc.web.errors import register_error_handlers
    register_error_handlers(app)
    from kcc.web.templating import register_template_helpers
    register_template_helpers(app)
    return app


def register_extensions(app: Flask) -> None:
    from kcc.auth import views as auth
    from kcc.extensions import babel, csrf, login_manager

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.user_loader(auth.load_user)
    login_manager.login_view = "auth.login"


def select_locale() -> str:
    """Dutch unless the user chose English (stored in the session by the language switch)."""
    return session.get("lang", "nl") if session.get("lang") in ("nl", "en") else "nl"


def register_request_hooks(app: Flask) -> None:
    from kcc import api
    from kcc.auth import views as auth
    from kcc.web import access, unit_of_work

    app.teardown_appcontext(unit_of_work.close)
    app.before_request(api.load_token_user)
    app.before_request(auth.enforce_idle_timeout)
    app.before_request(access.enforce)
    app.before_request(refuse_control_characters)
    app.after_request(security_headers)
    app.after_request(unit_of_work.finish)  # after_request runs last-registered first: commit before headers


def refuse_control_characters() -> None:
    """before_request: a query or form field with a control character is refused (422, the field named)."""
    from kcc.web.input import check_fields

    check_fields(request.args.to_dict(flat=False))
    if request.form:
        check_fields(request.form.to_dict(flat=False))


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def security_headers(response):
    """Strict headers on every response: no inline script, no framing, no sniffing, no referrer leaks."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def register_blueprints(app: Flask) -> None:
    from kcc import api
    from kcc.admin import views as admin
    from kcc.api import appointments as appointments_api  # noqa: F401
    from kcc.api import contacts, handover, indicators, me, queues, tasks  # noqa: F401  (routes on api.bp)
    from kcc.api import lobby as lobby_api  # noqa: F401
    from kcc.appointments import views as appointments
    from kcc.auth import views as auth
    from kcc.callbacks import views as callbacks
    from kcc.contacts import views as contact_views
    from kcc.feedback import views as feedback
    from kcc.floor import views as floor
    from kcc.handover import views as handover_views
    from kcc.home import views as home
    from kcc.lobby import views as lobby
    from kcc.public import views as public
    from kcc.signals import views as signals
    from kcc.team import views as team
    from kcc.workspace import views as workspace

    for module in (auth, home, workspace, contact_views, handover_views, callbacks, lobby, appointments, floor, signals,
                   feedback, team, public, admin):
        app.register_blueprint(module.bp)
    app.register_blueprint(api.bp)
