"""The `kcc` console command. Its commands are stable: the municipality's IT scripts call them.

Every error names what is wrong and how to fix it, and exits non-zero; nothing is half-written.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from kcc import create_app
from kcc.cli import demo
from kcc.config import ConfigError
from kcc.content.domains import load_dir, sync
from kcc.core import migrate
from kcc.core.actor import Actor
from kcc.core.db import transaction
from kcc.core.errors import NotFound, ValidationError
from kcc.staff import accounts, desks

cli = FlaskGroup(create_app=lambda: create_app(), load_dotenv=False,
                 help="kcc — klantcontactcentrum. Settings come from KCC_* environment variables.")


def _database_url() -> str:
    return current_app.config["DATABASE_URL"]


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


CLI = Actor.system("cli", name="kcc-cli")  # the administrator at the server's console
AGENDA_KEEPER = replace(CLI, roles=frozenset({"admin"}))  # books for every domain, as admin does on the screen


def session_scope():
    """The CLI's unit of work: each command's changes are committed together, or not at all."""
    return transaction(current_app.extensions["kcc.sessionmaker"])


def require_schema() -> None:
    """Refuse to work on a database that is not migrated to the latest revision."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(migrate.alembic_config(_database_url())).get_current_head()
    current = migrate.current_revision(_database_url())
    if current != head:
        raise click.ClickException(
            f"the database {_safe_url(_database_url())} is at revision {current or 'none'}, kcc needs {head}; "
            "run `kcc db upgrade` first.")


# --- db ---------------------------------------------------------------------------------------------

@cli.group()
def db():
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
def db_upgrade():
    """Apply all migrations to KCC_DATABASE_URL."""
    url = _database_url()
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(make_url(url).database).parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(url)
    click.echo(f"Database {_safe_url(url)} is at revision {migrate.current_revision(url)}.")


@db.command("check")
def db_check():
    """Fail when the migrated schema differs from the models."""
    migrate.check(_database_url())
    click.echo("The database schema matches the models.")


# --- domains ----------------------------------------------------------------------------------------

@cli.group()
def domains():
    """The municipality's domain content in domains/*.toml."""


def _load_or_fail(directory: str):
    specs, problems = load_dir(Path(directory))
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {directory}; nothing was loaded.")
    return specs


@domains.command("check", with_appcontext=False)
@click.argument("directory", default="domains")
def domains_check(directory: str):
    """Validate the domain files; print every problem as file:line: field: message."""
    specs = _load_or_fail(directory)
    topics = sum(len(s.topics) for s in specs)
    click.echo(f"{directory}: {len(specs)} domains, {topics} topics, no problems.")


@domains.command("sync")
@click.argument("directory", default="domains")
def domains_sync(directory: str):
    """Check, then load the domain files into the database (idempotent; removed topics are deactivated)."""
    specs = _load_or_fail(directory)
    require_schema()
    with session_scope() as session:
        report = sync(session, specs)
    click.echo(f"Synced {directory}: {report}." if report.changed else f"Synced {directory}: nothing changed.")
    from kcc.content.model import load_artefact
    from kcc.content.training import is_current

    if not is_current(load_artefact(_model_path()), specs, Path(directory)):
        _train(directory, with_corrections=False)  # the content or its examples changed: the model learns them now


# --- users ------------------------------------------------------------------------------------------

@cli.group()
def user():
    """Staff accounts."""


def _read_password() -> str:
    """One line from standard input; a terminal gets a hidden prompt."""
    if sys.stdin.isatty():
        return click.prompt("Password (at least 12 characters)", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line:
        raise click.ClickException("no password on standard input; pipe it in, e.g. `echo \"$PW\" | kcc user ...`.")
    return line.rstrip("\r\n")


def _fail_validation(error: ValidationError) -> None:
    lines = "\n".join(f"  --{field}: {message}" for field, message in error.fields.items())
    raise click.ClickException(f"not saved:\n{lines}")


@user.command("create")
@click.argument("username")
@click.option("--name", "full_name", help="Display name (default: the user name).")
@click.option("--roles", required=True, help="Comma-separated: host, agent, lead, senior, specialist, admin, integration.")
@click.option("--skills", default="", help="domain:level pairs, e.g. burgerzaken:primary,sociaal:secondary.")
@click.option("--languages", default="nl", help="Two-letter codes, e.g. nl,fy,en.")
@click.option("--team", "teams", multiple=True, help="Team slug; repeat or comma-separate for several.")
@click.option("--email", default=None, help="E-mail address for notifications.")
def user_create(username, full_name, roles, skills, languages, teams, email):
    """Create a staff member; the password is read from standard input (one line)."""
    require_schema()
    password = _read_password()
    data = accounts.StaffInput(
        username=username, name=full_name or username, roles=accounts.parse_list(roles),
        skills=accounts.parse_skills(skills), languages=accounts.parse_list(languages),
        teams=[slug for value in teams for slug in accounts.parse_list(value)], email=email)
    try:
        with session_scope() as session:
            staff = accounts.create_staff(session, data, password, actor=CLI)
            click.echo(f"Created {staff.username} ({', '.join(staff.roles)}).")
    except ValidationError as error:
        _fail_validation(error)


@user.command("roles")
@click.argument("username")
@click.argument("roles", required=False)
def user_roles(username, roles):
    """Show a staff member's roles, or set them: `kcc user roles NAME agent,lead`."""
    require_schema()
    try:
        with session_scope() as session:
            staff = accounts.get_staff(session, username)
            if roles is not None:
                accounts.set_roles(session, staff, accounts.parse_list(roles), actor=CLI)
            click.echo(f"{staff.username}: {', '.join(staff.roles)}")
    except NotFound as error:
        raise click.ClickException(str(error)) from None
    except ValidationError as error:
        _fail_validation(error)


@user.command("password")
@click.argument("username")
def user_password(username):
    """Set a new password (read from standard input); ends the user's other sessions."""
    require_schema()
    password = _read_password()
    try:
        with session_scope() as session:
            accounts.set_password(session, accounts.get_staff(session, username), password, actor=CLI)
    except NotFound as error:
        raise click.ClickException(str(error)) from None
    except ValidationError as error:
        _fail_validation(error)
    click.echo(f"Password of {username} changed; their other sessions have ended.")


# --- desks ------------------------------------------------------------------------------------------

@cli.group()
def desk():
    """Counter desks (balies): the number the lobby display shows when a desk calls a ticket."""


@desk.command("list")
def desk_list():
    """Every desk: number, active or not, description."""
    require_schema()
    with session_scope() as session:
        rows = desks.all_desks(session)
        if not rows:
            click.echo("No desks yet; add one with `kcc desk create 1 --label \"Balie 1\"`.")
        for item in rows:
            click.echo(f"{item.number}\t{'active' if item.active else 'inactive'}\t{item.label}")


@desk.command("create")
@click.argument("number")
@click.option("--label", default="", help="What staff read, e.g. \"Balie 3 — burgerzaken\".")
def desk_create(number, label):
    """Add a desk: `kcc desk create 3 --label "Balie 3"`."""
    require_schema()
    try:
        with session_scope() as session:
            item = desks.create_desk(session, desks.DeskInput(number=number, label=label), actor=CLI)
            click.echo(f"Created desk {item.number}.")
    except ValidationError as error:
        _fail_validation(error)


@desk.command("set")
@click.argument("number")
@click.option("--label", default=None, help="A new description.")
@click.option("--active/--inactive", default=None, help="Inactive: nobody can choose it; whoever sits there stands up.")
def desk_set(number, label, active):
    """Change a desk's description, or make it (in)active."""
    require_schema()
    try:
        with session_scope() as session:
            item = desks.get_desk(session, number)
            data = desks.DeskInput(number=item.number, label=item.label if label is None else label,
                                   active=item.active if active is None else active)
            desks.update_desk(session, item, data, actor=CLI)
            click.echo(f"Desk {item.number}: {'active' if item.active else 'inactive'}, {item.label!r}.")
    except NotFound as error:
        raise click.ClickException(str(error)) from None
    except ValidationError as error:
        _fail_validation(error)


# --- appointments -----------------------------------------------------------------------------------

@cli.group()
def appointments():
    """The counter agenda: appointments with a check-in code."""


@appointments.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--date", "day", default=None, help="The day of a file without a datum column: 2026-12-01.")
def appointments_import(file, day):
    """Book every row of a CSV file (tijd;onderwerp;naam;e-mail); with any bad row, none. Bad rows are
    reported as FILE:LINE: what is wrong."""
    from datetime import date

    from kcc.appointments import operations as agenda
    from kcc.core.timeutil import utcnow

    require_schema()
    try:
        chosen = date.fromisoformat(day) if day else None
    except ValueError:
        raise click.ClickException(f"--date {day!r}: write the date as 2026-12-01.") from None
    try:
        raw = Path(file).read_bytes()
    except OSError as error:
        raise click.ClickException(f"{file}: {error.strerror}") from None
    try:
        with session_scope() as session:
            made = agenda.import_csv(session, AGENDA_KEEPER, raw, chosen, utcnow())
            click.echo(f"{file}: {len(made)} appointments booked; confirmations are queued for rows with an e-mail "
                       "address.")
    except agenda.ImportRefused as refused:
        for problem in refused.problems:
            click.echo(f"{file}:{problem.line}: {problem.message}", err=True)
        raise click.ClickException(f"{file}: nothing imported; fix the lines above and import the file again.") \
            from None


# --- tokens -----------------------------------------------------------------------------------------

@cli.group()
def token():
    """Bearer tokens for the integration API."""


@token.command("create")
@click.option("--user", "username", required=True, help="The staff member the token acts as.")
@click.option("--label", default="", help="What the token is for, e.g. 'telefonie'.")
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None,
              help="The token ends by itself after this many days (default: until revoked).")
def token_create(username, label, expires_days):
    """Create a token; it is printed once, as the last line. Only its hash is stored."""
    from datetime import timedelta

    from kcc.core.timeutil import utcnow

    require_schema()
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    try:
        with session_scope() as session:
            row, plain = accounts.create_token(session, accounts.get_staff(session, username), label, actor=CLI,
                                               expires_at=expires_at)
    except NotFound as error:
        raise click.ClickException(str(error)) from None
    until = f", valid until {expires_at.isoformat(timespec='minutes')}" if expires_at else ""
    click.echo(f"Token {row.id} for {username}{until} (store it now; it is not shown again):")
    click.echo(plain)


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id):
    """End a token by its id (shown by `kcc token list`)."""
    require_schema()
    try:
        with session_scope() as session:
            accounts.revoke_token(session, token_id, actor=CLI)
    except NotFound as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Token {token_id} is revoked.")


@token.command("list")
def token_list():
    """List tokens (never the tokens themselves)."""
    from kcc.core.timeutil import utcnow

    require_schema()
    with session_scope() as session:
        now = utcnow()
        for row in accounts.list_tokens(session):
            state = "revoked" if row.revoked_at else "expired" if row.expires_at and row.expires_at <= now else \
                f"active until {row.expires_at.isoformat(timespec='minutes')}" if row.expires_at else "active"
            used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never"
            click.echo(f"{row.id}\t{row.staff.username}\t{state}\tlast used {used}\t{row.label}")


# --- route ------------------------------------------------------------------------------------------

@cli.group()
def route():
    """The question router: try it, and measure it against labelled questions."""


def _model_path() -> Path:
    return Path(current_app.config["KCC"].router_model)


def _router(directory: str | None, rules_only: bool = False):
    """From domain files when given (try edits before syncing), otherwise from the database; with the trained
    model unless asked for the rules alone (a model of other content is left out with a warning)."""
    from kcc.content.model import load_artefact
    from kcc.content.router import Router

    model = None if rules_only else load_artefact(_model_path())
    if directory:
        specs = _load_or_fail(directory)
        return (Router.from_specs(specs, model=model), {s.slug for s in specs},
                {(s.slug, t.slug) for s in specs for t in s.topics})
    require_schema()
    with session_scope() as session:
        router = Router.from_session(session, model=model)
    return router, {t.domain for t in router.topics} | {"algemeen"}, {(t.domain, t.topic) for t in router.topics}


def _train(directory: str, with_corrections: bool) -> None:
    from kcc.content import training

    specs = _load_or_fail(directory)
    extra = []
    if with_corrections:
        require_schema()
        with session_scope() as session:
            extra = training.correction_examples(session)
    try:
        trained = training.train_artefact(specs, Path(directory), _model_path(), extra)
    except ValidationError as error:
        for message in error.fields.values():
            click.echo(str(message), err=True)
        raise click.ClickException(f"the example questions in {directory}/{training.EXAMPLES_DIR} have errors; "
                                   "fix the lines above.") from None
    click.echo(f"Trained the router's model in {trained.seconds:.1f} s: {trained.from_topics} phrases and answer "
               f"sentences of {len(trained.model.classes)} topics, {trained.from_questions} example questions, "
               f"{trained.from_corrections} confirmed corrections → {_model_path()} (sha256 {trained.checksum[:16]}…, "
               f"content {trained.model.meta['content_version']}).")


@route.command("train")
@click.option("--domains", "directory", default="domains", show_default=True,
              help="The domain files and their examples/ folder to train on.")
@click.option("--with-corrections", is_flag=True,
              help="Also learn from employees' corrections that the outcome confirmed (see `kcc route corrections`).")
def route_train(directory, with_corrections):
    """Train the router's model (deterministic: the same content gives the same model) and keep it with its
    checksum in KCC_ROUTER_MODEL (default instance/router-model.npz)."""
    _train(directory, with_corrections)


@route.command("corrections")
@click.option("--questions", is_flag=True, help="Show the confirmed questions of each pair too.")
def route_corrections(questions):
    """Where employees moved contacts the router had sent elsewhere: per pair of topics, how often, and how many
    the outcome confirmed (closed in the corrected domain) — what `kcc route train --with-corrections` learns."""
    from kcc.content import training

    require_schema()
    with session_scope() as session:
        pairs = training.corrections(session)
    if not pairs:
        click.echo("No corrections yet.")
        return
    click.echo(f"{'routed to':<34} {'corrected to':<34} {'times':>5} {'confirmed':>9}")
    for pair in pairs:
        click.echo(f"{pair.routed:<34} {pair.corrected:<34} {pair.count:>5} {pair.confirmed:>9}")
        if questions:
            for question in pair.questions:
                click.echo(f"    {' '.join(question.split())[:110]}")


@route.command("ask")
@click.argument("question")
@click.option("--domains", "directory", default=None, help="Route with these domain files instead of the database.")
def route_ask(question, directory):
    """Route one question and show the domain, topic, confidence and alternatives."""
    router, _domains, _topics = _router(directory)
    result = router.route(question)
    click.echo(f"{result.domain}/{result.topic or '-'}  confidence {result.confidence:.2f}  ({result.method}"
               f"{', rules and model' if router.model else ', rules alone'})")
    if result.danger:
        click.echo("  acute danger: point to 112 (now) or Veilig Thuis (0800-2000)")
    for guess in result.alternatives:
        click.echo(f"  or {guess.domain}/{guess.topic}  {guess.confidence:.2f}")


@route.command("eval")
@click.argument("csv_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--domains", "directory", default=None, help="Route with these domain files instead of the database.")
@click.option("--misses", is_flag=True, help="List every question routed to the wrong domain or topic.")
@click.option("--rules-only", is_flag=True, help="Leave the trained model out (to compare).")
def route_eval(csv_files, directory, misses, rules_only):
    """Accuracy per domain and language and a confusion matrix for each CSV of question,domain,topic[,language],
    and for all of them together."""
    from kcc.content.evaluation import evaluate, format_report, load_labelled

    router, domains_known, topics_known = _router(directory, rules_only)
    everything = []
    for csv_file in csv_files:
        try:
            rows = load_labelled(Path(csv_file), domains_known, topics_known, keep_unknown_topics=True)
        except ValidationError as error:
            for message in error.fields.values():
                click.echo(str(message), err=True)
            raise click.ClickException(f"{csv_file} cannot be evaluated; fix the lines above.") from None
        click.echo(f"== {csv_file}")
        click.echo(format_report(evaluate(router, rows), show_misses=misses) + "\n")
        everything += rows
    if len(csv_files) > 1:
        click.echo(f"== all {len(csv_files)} files")
        click.echo(format_report(evaluate(router, everything)))


# --- demo and serve ---------------------------------------------------------------------------------

@cli.command("demo")
def demo_command():
    """Load the demo data (idempotent): staff for every role, teams, desks and a morning of contacts."""
    require_schema()
    with session_scope() as session:
        result = demo.load(session)
    click.echo(demo.describe(result))


@cli.group()
def mail():
    """E-mail to the municipality."""


@mail.command("import")
@click.argument("maildir", type=click.Path(file_okay=False))
def mail_import(maildir):
    """Turn each message in MAILDIR/new into a contact; a message that cannot be used stays and is reported."""
    from kcc.content.model import load_artefact
    from kcc.content.router import Router
    from kcc.core.timeutil import utcnow
    from kcc.mail.importer import import_maildir

    require_schema()
    maker = current_app.extensions["kcc.sessionmaker"]
    with transaction(maker) as session:
        router = Router.from_session(session, model=load_artefact(_model_path()))
    try:
        report = import_maildir(maker, Path(maildir), router, current_app.config["KCC"].queue, utcnow())
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from None
    for name, contact_id in report.imported:
        click.echo(f"{maildir}/{name}: contact {contact_id}")
    for name, contact_id in report.duplicates:
        click.echo(f"{maildir}/{name}: already imported as contact {contact_id}")
    for name, reason in report.failed:
        click.echo(f"{maildir}/{name}: not imported: {reason}", err=True)
    click.echo(f"{len(report.imported)} imported, {len(report.duplicates)} already there, {len(report.failed)} not "
               "imported (left in new/ to be looked at).")
    if report.failed:
        sys.exit(1)


@cli.command("retention")
@click.option("--dry-run", is_flag=True, help="Print what would be anonymised and deleted; change nothing.")
def retention_command(dry_run):
    """Anonymise contacts closed longer ago than KCC_RETENTION_CONTACT_DAYS and their citizens, empty mail sent
    longer ago than KCC_RETENTION_MAIL_DAYS, delete audit entries older than KCC_RETENTION_AUDIT_DAYS (the worker
    does this once a day). In batches of their own: stopped halfway, the next run finishes it."""
    from kcc.core.timeutil import utcnow
    from kcc.retention import operations as retention

    require_schema()
    report = retention.run(session_scope, utcnow(), retention.Terms.of(current_app.config["KCC"]), actor=CLI,
                           dry_run=dry_run)
    click.echo(report.describe())


@cli.command("worker")
@click.option("--every", default=5, show_default=True, type=click.IntRange(1, 3600), help="Seconds between rounds.")
@click.option("--once", is_flag=True, help="One round, then stop (for cron or a check).")
@click.option("--outbox", type=click.Path(file_okay=False), default=None,
              help="Where mail goes without KCC_SMTP_HOST (default: instance/outbox).")
def worker(every, once, outbox):
    """The sweeper: expire handover offers into callback tasks, put the contacts of employees whose screens and
    client went silent back in the queue, queue overdue reminders, tell lobby visitors
    their turn is near, send mail, keep the indicators of settled days, draw the floor and the wallboard
    that screens are looking at, and once a day anonymise and delete what is past its term (`kcc retention`)."""
    import time

    from kcc.core.timeutil import utcnow
    from kcc.feedback import operations as feedback
    from kcc.floor import drawn, indicators
    from kcc.handover import operations as handover
    from kcc.lobby import operations as lobby
    from kcc.mail import operations as mail
    from kcc.queues import operations as queues
    from kcc.retention import operations as retention

    require_schema()
    settings = current_app.config["KCC"]
    outbox = Path(outbox) if outbox else Path(current_app.instance_path) / "outbox"
    retention_daily = retention.Daily(retention.Terms.of(settings))
    while True:
        with session_scope() as session:
            expired = handover.expire_due(session, utcnow())
        with session_scope() as session:
            released = queues.release_silent(session, utcnow(), settings.queue.silent_release_min * 60)
        with session_scope() as session:
            reminders = mail.queue_overdue_reminders(session, utcnow())
        with session_scope() as session:
            close = lobby.notify_close(session, utcnow())
        with session_scope() as session:
            asked = feedback.queue_due(session, utcnow(), settings.public_url)
        sent, failed = mail.send_due(session_scope, settings, outbox, utcnow)  # a commit before and after each mail
        with session_scope() as session:
            indicators.settle(session, utcnow())
        try:
            with session_scope() as session:
                drawn.redraw_asked(session, utcnow())
        except Exception:  # the floor not drawn here is drawn by the lead's request; mail must go on
            current_app.logger.exception("worker: drawing the floor and the wallboard failed")
        try:
            kept = retention_daily(session_scope, utcnow())  # once a day; every other round compares a date
        except Exception:  # tried again tomorrow; mail must go on
            current_app.logger.exception("worker: applying the retention terms failed")
        else:
            if kept is not None and kept.changed:
                click.echo(f"worker: retention: {kept.summary()}")
        if expired or released or reminders or close or asked or sent or failed:
            click.echo(f"worker: {len(expired)} offer(s) expired into tasks, {len(released)} contact(s) of silent "
                       f"employees back in the queue, {reminders} reminder(s) queued, "
                       f"{close} visitor(s) told their turn is near, {asked} citizen(s) asked how it went, "
                       f"{sent} mail(s) sent, {failed} failed (retried later)")
        if once:
            return
        time.sleep(every)


@cli.command("simulate")
@click.option("--every", default=45, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds between new contacts (on average).")
@click.option("--count", default=0, type=click.IntRange(0), help="Stop after this many (0: until stopped).")
def simulate(every, count):
    """Keep the demo morning going: new calls, visitors and web questions arrive through the real intake."""
    import random
    import time

    require_schema()
    rng = random.Random()
    number = 0
    while not count or number < count:
        number += 1
        with session_scope() as session:
            contact = demo.arrive(session, rng, number)
            click.echo(f"demo: {contact.channel} contact {contact.id} → {contact.domain.slug}"
                       f"/{contact.topic.slug if contact.topic else '-'} ({contact.routing_method})")
        if not count or number < count:
            time.sleep(rng.uniform(0.5, 1.5) * every)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host, port):
    """Serve kcc for one machine (use `gunicorn wsgi:app` in production)."""
    require_schema()
    click.echo(f"kcc serves on http://{host}:{port}/ — stop with Ctrl+C.")
    from werkzeug.serving import run_simple

    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


def main() -> None:
    """Entry point: turn configuration and database errors into one clear line and a non-zero exit."""
    try:
        cli.main(prog_name="kcc")
    except ConfigError as error:
        click.echo(f"kcc: configuration error: {error}", err=True)
        sys.exit(2)
    except (OperationalError, ProgrammingError) as error:
        detail = str(getattr(error, "orig", error)).strip().splitlines()[0]
        click.echo(f"kcc: the database cannot be used: {detail}. Check KCC_DATABASE_URL and that the server "
                   "is running, then run `kcc db upgrade`.", err=True)
        sys.exit(1)
