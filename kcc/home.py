"""Each role's start screen. Later capabilities fill these in; each says plainly what it will hold."""
from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from sqlalchemy import func, select

from .access import roles, staff
from .domains import DAYS
from .models import Contact, Domain, Staff, Team, Topic
from .templating import start_endpoint
from .timeutil import local, utcnow
from .web import db, render

bp = Blueprint("home", __name__)


def _active_domains():
    return db().scalars(select(Domain).where(Domain.active.is_(True)).order_by(Domain.position)).all()


@bp.get("/")
@staff
def index():
    return redirect(url_for(start_endpoint(current_user)))


@bp.get("/geen-rol")
@staff
def no_role():
    return render("home/no_role.html")


@bp.get("/lobby")
@roles("host")
def lobby():
    """For the host: what a visitor brings per counter topic, and today's counter hours."""
    today = DAYS[local(utcnow()).weekday()]
    domains = _active_domains()
    topics = defaultdict(list)
    for topic in db().scalars(select(Topic).where(Topic.active.is_(True), Topic.counter.is_(True)).order_by(Topic.name)):
        topics[topic.domain_id].append(topic)
    return render("home/lobby.html", domains=domains, topics=topics, today=today)


@bp.get("/vloer")
@roles("lead")
def floor():
    """For the floor lead: who works in which domain and how many contacts wait per domain."""
    domains = _active_domains()
    waiting = dict(db().execute(select(Contact.domain_id, func.count(Contact.id))
                                .where(Contact.status == "waiting").group_by(Contact.domain_id)).all())
    people = db().scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.name)).all()
    by_domain = defaultdict(list)
    for person in people:
        for skill in person.skills:
            by_domain[skill.domain_id].append((person, skill.level))
    return render("home/floor.html", domains=domains, waiting=waiting, by_domain=by_domain)


@bp.get("/verbeteren")
@roles("senior")
def improvements():
    return render("home/improvements.html", domains=[s.domain for s in current_user.skills])


@bp.get("/taken")
@roles("specialist")
def tasks():
    teams = current_user.teams or db().scalars(select(Team).where(Team.active.is_(True)).order_by(Team.name)).all()
    return render("home/tasks.html", teams=teams, own=bool(current_user.teams))


@bp.get("/koppeling")
@roles("integration")
def integration():
    return render("home/integration.html")
