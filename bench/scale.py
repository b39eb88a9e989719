"""kcc at the scale of a large municipality: a year of history, and hundreds of screens polling at once.

Run with `.venv/bin/python -m bench.scale --help` (later `make bench`). Not part of `make test`.

Per history size (default 10 000 and 1 000 000 contacts), in a fresh throwaway PostgreSQL (tests.pgserver,
durable settings), served by `gunicorn wsgi:app` as bench/run.py starts it (but 6 single-threaded workers by default):
1. migrate, load domains/, create the staff (agents with tokens and passwords, an integration user, leads,
   specialists in teams, a host) and a few desks;
2. fill the history with set-based SQL (INSERT … SELECT over generate_series, never row by row), at a fixed
   daily rate going back from yesterday: what differs between the sizes is how far history reaches, not
   today's load. Citizens (repeat callers), timeline events, audit entries, handovers and callback tasks
   come in proportion. Then "today so far" (identical at every size) and VACUUM (ANALYZE). `kcc worker` then runs as
   production runs it (first the rounds a year of history needs, then beside gunicorn; --no-worker: without);
3. phase "history": p50/p95 of each call, called one after another with a kept-alive client: claim
   (me/next), intake of a repeat caller, position and expected wait, the queue panel, the lobby display,
   the indicators over 1, 30 and 365 days, and the browser fragments the workspace and the floor poll (a call
   slower than --timeout counts as a timeout and gunicorn is restarted, as it may still be working on it);
   with --explain, EXPLAIN (ANALYZE, BUFFERS) of every SELECT each call runs, captured in-process, and for a
   statement that uses an index added for hot queries (HOT_INDEXES) also its plan without that index (before);
4. phase "screens": N logged-in browser screens polling exactly as their HTML says (hx-get + hx-trigger
   "every Ns", hx-headers, hx-vals, hx-include, read generically from the pages and swapped like htmx does,
   out-of-band parts included; see Screen) beside contacts arriving at 2/s and
   50 employees working them through the API; latency per polled path, me/next and intake, how late the
   clients fired their polls, the CPU share of gunicorn, PostgreSQL and the clients, double assignments.
At the end: the p95 of each call at the largest size ÷ at the smallest ("ok" when ≤ 1.5).
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from bench.run import DOMAINS, QUESTIONS, Client, Run, double_assignments, free_port, percentiles, start_gunicorn  # noqa: E402
from kcc.content.domains import load_dir, sync  # noqa: E402
from kcc.core import migrate  # noqa: E402
from kcc.core.actor import Actor  # noqa: E402
from kcc.core.db import make_engine, make_sessionmaker  # noqa: E402
from kcc.core.timeutil import AMSTERDAM  # noqa: E402
from kcc.models import Desk, Team  # noqa: E402
from kcc.staff import accounts, passwords  # noqa: E402
from tests.pgserver import PgServer, find_bindir  # noqa: E402

# --- every URL the benchmark calls, in one place ----------------------------------------------------
# The screens' poll URLs are not here: they are read from the pages' own HTML, as htmx reads them.
API = "/api/v1"  # bench.run.Client puts this before the API paths below
CONTACTS, NEXT, PRESENCE, RESOLVE = "/contacts", "/me/next", "/me/presence", "/contacts/{id}/resolve"
QUEUES, LOBBY, INDICATORS, OPENAPI = "/queues", "/lobby/display", "/indicators", "/openapi.json"
LOGIN = "/inloggen"
PAGES = {"agent": "/werkplek", "lead": "/vloer", "specialist": "/taken", "wallboard": "/vloer/wand"}  # what each kind of screen has open
BROWSER_CALLS = [  # (name, who, path): the fragments timed in the history phase, with HX-Request: true
    ("werkplek/bijwerken", "agent_b", "/werkplek/bijwerken"),  # the workspace's one poll, here without versions: all parts
    ("werkplek/wachtrij", "agent_b", "/werkplek/wachtrij"),
    ("werkplek/huidig", "agent_b", "/werkplek/huidig"),
    ("overdracht/aanbod", "agent_b", "/overdracht/aanbod"),
    ("vloer", "lead", "/vloer"),
]
POSITION_PATH = re.compile(r"^/contacts/\{[^}]+\}/(position|positie|wait|queue|wachttijd)[^/]*$")

# --- the shape of the history ------------------------------------------------------------------------
WEEKDAY_RATE, WEEKEND_RATE = 3000, 300  # contacts per day: a large municipality's KCC (web and e-mail at weekends)
SPREAD_S = 15.0  # screen starts in the screens phase are spread over this many seconds
TODAY_CONTACTS, TODAY_WAITING = 300, 8  # "today so far", identical at every size
TODAY_POOL = 10_000  # the phone/e-mail pool today's citizens are drawn from (fixed, so today is identical)
HOT_PHONE = "+31612345678"  # the most frequent caller of the history (number 0 of the pool)
PASSWORD = "bench-wachtwoord-2026"
SYSTEM = Actor.system("bench", name="bench-scale")
EMPLOYEES = 50
DESKS = [("1", "Balie 1"), ("2", "Balie 2"), ("3", "Balie 3"), ("4", "Balie 4"), ("5", "Spreekkamer 5"), ("6", "Balie 6")]
FIRST = ["Jan", "Anna", "Kees", "Emma", "Mohammed", "Aylin", "Wim", "Sophie", "Marek", "Fenna", "Rik", "Noor", "Sietske",
         "Daan", "Yara", "Henk", "Lotte", "Bram", "Iris", "Thijs", "Mila", "Joost", "Esra", "Pim"]
LAST = ["de Vries", "Bos", "Meijer", "de Graaf", "Peters", "Kaya", "Hendriks", "van Leeuwen", "Dekker", "Visser", "Smit",
        "Mulder", "de Boer", "Jansen", "Bakker", "El Idrissi", "Hoekstra", "Postma", "Kowalski", "Yilmaz"]
HISTORY_QUESTIONS = ["Mijn paspoort verloopt volgende maand, wat neem ik mee?", "De groene container is niet geleegd.",
                     "Heb ik een vergunning nodig voor een dakkapel?", "Mijn moeder kan niet meer zelf schoonmaken.",
                     "Lantaarnpaal voor nummer 12 brandt niet.", "Ik ga verhuizen, hoe geef ik dat door?",
                     "Ik wil een oude bank laten ophalen.", "Ik krijg brieven van de deurwaarder.",
                     "De WOZ-waarde van mijn huis is te hoog.", "We willen een straatfeest houden.",
                     "Er ligt een losse stoeptegel.", "Mijn scootmobiel is kapot.", "Kan ik bijstand aanvragen?",
                     "Ik heb een uittreksel nodig.", "Mag ik de berk in mijn tuin kappen?", "De buren maken elke nacht herrie."]
CHECKS = {"poll_ms": 100.0, "next_ms": 50.0, "ratio": 1.5, "year_s": 1.0}


# --- small helpers ----------------------------------------------------------------------------------

def q(values: list[float], pct: int) -> float | None:
    """The pct-th percentile (inclusive method), also for one sample."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    if value == float("inf"):
        return "timeout"
    return f"{value / 1000:.1f} s" if value >= 10_000 else f"{value:.1f} ms"


def stats_line(values: list[float]) -> str:
    return percentiles(values) if len(values) > 1 else (f"p50 {ms(values[0])} (1 call)" if values else "no samples")


def mark(value: float | None, limit: float, unit: str = "ms") -> str:
    if value is None:
        return f"no samples (< {limit:g} {unit})"
    return f"{'ok' if value < limit else 'NO'} (< {limit:g} {unit})"


def local_today() -> date:
    return datetime.now(AMSTERDAM).date()


def statuses(counter: Counter) -> str:
    return ", ".join(f"{status}×{n}" for status, n in sorted(counter.items(), key=lambda kv: str(kv[0])))


# --- staff ------------------------------------------------------------------------------------------

@dataclass
class Mix:
    """Who sits behind the N screens of the screens phase."""

    working: int  # the API employees' own workspaces
    paused: int
    leads: int
    specialists: int
    lobby: int
    wallboards: int = 0  # TVs on the floor (logged in as a lead)

    @classmethod
    def of(cls, screens: int) -> Mix:
        working = min(EMPLOYEES, screens)
        rest = screens - working
        leads = min(rest, max(1, round(0.04 * screens))) if rest else 0
        specialists = min(rest - leads, max(1, round(0.03 * screens))) if rest - leads > 0 else 0
        lobby = min(rest - leads - specialists, max(1, round(screens / 100))) if rest - leads - specialists > 0 else 0
        left = rest - leads - specialists - lobby
        wallboards = min(left, max(1, round(screens / 100))) if left > 0 else 0
        return cls(working, left - wallboards, leads, specialists, lobby, wallboards)

    @property
    def total(self) -> int:
        return self.working + self.paused + self.leads + self.specialists + self.lobby + self.wallboards

    def describe(self) -> str:
        return (f"{self.working} working employees' workspaces, {self.paused} paused agents' workspaces, {self.leads} leads "
                f"on /vloer, {self.specialists} specialists on /taken, {self.lobby} lobby displays, {self.wallboards} "
                "wallboards on /vloer/wand")


@dataclass
class Staffing:
    tokens: dict[str, str]  # integration, host, lead, agent (agent00), agent_b (agent01)
    usernames: dict[str, str]  # the same roles → user name (browser logins)
    workers: list[tuple[str, str]]  # (user name, token) of the 50 working employees
    paused: list[tuple[str, str]]
    leads: list[str]
    specialists: list[str]
    agent_ids: list[int]
    agent_names: list[str]
    integration_id: int


def create_staff(url: str, mix: Mix) -> Staffing:
    """Domains, desks and everyone the phases need, each with the one bench password (and a token where needed)."""
    engine = make_engine(url)
    session = make_sessionmaker(engine)()
    specs, problems = load_dir(ROOT / "domains")
    assert not problems, problems
    sync(session, specs)
    for number, label in DESKS:
        session.add(Desk(number=number, label=label))
    session.flush()
    teams = list(session.scalars(select(Team.slug).where(Team.active.is_(True)).order_by(Team.slug)))
    one_hash = passwords.hash_password(PASSWORD)  # argon2 once: every bench user has the same password
    original, accounts.hash_password = accounts.hash_password, lambda _password: one_hash
    agent_ids: list[int] = []
    agent_names: list[str] = []

    def person(username: str, name: str, roles: list[str], skills=(), teams_=(), token: bool = True,
               languages=("nl",)) -> tuple[int, str]:
        staff = accounts.create_staff(session, accounts.StaffInput(
            username=username, name=name, roles=roles, skills=list(skills), languages=list(languages), teams=list(teams_)),
            PASSWORD, actor=SYSTEM)
        if "agent" in roles:
            agent_ids.append(staff.id)
            agent_names.append(username)
        return staff.id, (accounts.create_token(session, staff, actor=SYSTEM)[1] if token else "")

    try:
        integration_id, integration = person("telefonie", "Telefonie", ["integration"])
        _, host = person("host00", "Gastvrouw 00", ["host"])
        workers = []
        for i in range(EMPLOYEES):
            skills = [(DOMAINS[i % 4], "primary"), (DOMAINS[(i + 1) % 4], "secondary")]
            _, token = person(f"agent{i:02d}", f"Agent {i:02d}", ["agent"], skills, languages=("nl", "en") if i % 3 else ("nl",))
            workers.append((f"agent{i:02d}", token))
        paused = []
        for i in range(mix.paused):
            skills = [(DOMAINS[i % 4], "primary"), (DOMAINS[(i + 2) % 4], "secondary")]
            username = f"pauze{i:03d}"
            paused.append((username, person(username, f"Pauze {i:03d}", ["agent"], skills)[1]))
        leads = [f"lead{i:02d}" for i in range(max(1, mix.leads))]
        lead_token = ""
        for i, username in enumerate(leads):
            token = person(username, f"Teamleider {i:02d}", ["lead"])[1]
            lead_token = lead_token or token
        specialists = [f"spec{i:02d}" for i in range(mix.specialists)]
        for i, username in enumerate(specialists):
            person(username, f"Specialist {i:02d}", ["specialist"], token=False,
                   teams_=list(dict.fromkeys([teams[i % len(teams)], teams[(i + 5) % len(teams)]])))
        session.commit()
    finally:
        accounts.hash_password = original
        session.close()
        engine.dispose()
    return Staffing(
        tokens={"integration": integration, "host": host, "lead": lead_token, "agent": workers[0][1], "agent_b": workers[1][1]},
        usernames={"integration": "telefonie", "host": "host00", "lead": leads[0], "agent": workers[0][0], "agent_b": workers[1][0]},
        workers=workers, paused=paused, leads=leads, specialists=specialists, agent_ids=agent_ids, agent_names=agent_names,
        integration_id=integration_id)


# --- the history, set-based -------------------------------------------------------------------------

DRAW = """
CREATE UNLOGGED TABLE bench_draw AS
SELECT d.day, d.weekend, g AS slot,
       random() AS r_chan, random() AS r_dom, random() AS r_time, random() AS r_wait, random() AS r_hand, random() AS r_out,
       random() AS r_res, random() AS r_cit, random() AS r_phone, random() AS r_mail, random() AS r_name, random() AS r_lang,
       random() AS r_owner, random() AS r_ho, random() AS r_ho2, random() AS r_pick, random() AS r_topic
FROM unnest(%(days)s::date[], %(counts)s::int[], %(weekend)s::bool[]) AS d(day, n, weekend), generate_series(1, d.n) AS g
"""

HISTORY_CREATED = """(CASE WHEN a.channel IN ('phone', 'counter')
    THEN a.day + time '08:30' + a.r_time * interval '8 hours 30 minutes'
    ELSE a.day + time '07:00' + a.r_time * interval '16 hours' END) AT TIME ZONE 'Europe/Amsterdam'"""
TODAY_CREATED = """CASE WHEN a.slot > %(resolved)s THEN %(now)s - interval '10 seconds' - a.r_time * interval '4 minutes'
    ELSE %(lo)s + a.r_time * (%(hi)s - %(lo)s) END"""

# Every random draw is stored once (bench_draw); everything derived from it is deterministic, so the planner may
# inline the steps freely. Times: created = queued (as intake writes them), rank = queued − the channel's head start,
# answered ≥ created, closed ≥ answered; handover and task times lie between answered and closed.
CONTACT = """
CREATE UNLOGGED TABLE bench_contact AS
WITH dom AS MATERIALIZED (  -- once, not once per contact
    SELECT d.id AS domain_id, d.slug, d.ticket_prefix,
           coalesce((SELECT array_agg(t.id ORDER BY t.id) FROM topics t WHERE t.domain_id = d.id AND t.active), '{}') AS topics,
           coalesce((SELECT array_agg(t.id ORDER BY t.id) FROM topics t WHERE t.domain_id = d.id AND t.active AND t.counter),
                    '{}') AS counter_topics,
           coalesce((SELECT array_agg(t.id ORDER BY t.id) FROM teams t WHERE t.domain_id = d.id AND t.active), '{}') AS teams
    FROM domains d WHERE d.active),
a AS (
    SELECT b.*, CASE WHEN b.weekend THEN CASE WHEN b.r_chan < 0.55 THEN 'email' ELSE 'web' END
                     WHEN b.r_chan < 0.65 THEN 'phone' WHEN b.r_chan < 0.78 THEN 'counter'
                     WHEN b.r_chan < 0.90 THEN 'email' ELSE 'web' END AS channel
    FROM bench_draw b),
b AS (
    SELECT a.*,
           CASE WHEN a.channel = 'counter' THEN CASE WHEN a.r_dom < 0.6 THEN 'burgerzaken' WHEN a.r_dom < 0.85 THEN 'algemeen'
                                                     ELSE 'sociaal' END
                WHEN a.r_dom < 0.35 THEN 'burgerzaken' WHEN a.r_dom < 0.70 THEN 'algemeen'
                WHEN a.r_dom < 0.85 THEN 'vergunningen' ELSE 'sociaal' END AS slug,
           {created} AS created_at,
           {waiting} AS waiting
    FROM a),
c AS (
    SELECT b.*, dom.domain_id, dom.ticket_prefix,
           NOT b.waiting AND b.channel = 'phone' AND b.r_out < 0.05 AS abandoned,
           CASE WHEN b.waiting OR (b.channel = 'phone' AND b.r_out < 0.05) OR NOT %(handovers)s OR cardinality(dom.teams) = 0
                THEN NULL
                WHEN b.r_ho < 0.08 THEN CASE WHEN b.r_ho2 < 0.55 THEN 'accepted' WHEN b.r_ho2 < 0.70 THEN 'declined' ELSE 'expired' END
           END AS ho_kind,
           NOT b.waiting AND NOT (b.channel = 'phone' AND b.r_out < 0.05) AND %(handovers)s AND cardinality(dom.teams) > 0
               AND b.r_ho >= 0.08 AND b.r_ho < 0.085 AS direct_task,
           CASE WHEN b.channel IN ('phone', 'counter') OR NOT %(handovers)s THEN 5 + 115 * b.r_wait ^ 2
                ELSE 300 + 21600 * b.r_wait END AS wait_s,
           60 + 540 * b.r_hand AS handle_s,
           1 + floor(b.r_owner * %(n_agents)s)::int AS sender_idx,
           CASE WHEN b.r_topic > 0.9 THEN NULL
                WHEN b.channel = 'counter' THEN CASE WHEN cardinality(dom.counter_topics) > 0
                     THEN dom.counter_topics[1 + floor(b.r_pick * 1000003)::int %% cardinality(dom.counter_topics)] END
                WHEN cardinality(dom.topics) > 0 THEN dom.topics[1 + floor(b.r_pick * 1000003)::int %% cardinality(dom.topics)]
           END AS topic_id,
           CASE WHEN cardinality(dom.teams) > 0 THEN dom.teams[1 + floor(b.r_pick * 999983)::int %% cardinality(dom.teams)] END
               AS team_id
    FROM b JOIN dom ON dom.slug = b.slug),
d AS (
    SELECT c.*,
           coalesce(c.ho_kind IN ('declined', 'expired'), false) OR c.direct_task AS has_task,
           (coalesce(c.ho_kind IN ('declined', 'expired'), false) OR c.direct_task) AND c.day >= %(today)s - 2 AND c.r_hand < 0.5
               AS task_open,
           CASE WHEN c.waiting OR c.abandoned THEN NULL ELSE c.created_at + c.wait_s * interval '1 second' END AS answered_at,
           1 + (c.sender_idx - 1 + 7) %% %(n_agents)s AS receiver_idx
    FROM c),
e AS (
    SELECT d.*, (%(agents)s::int[])[d.sender_idx] AS sender_id, (%(agents)s::int[])[d.receiver_idx] AS receiver_id,
           CASE WHEN d.ho_kind IS NOT NULL OR d.direct_task THEN d.answered_at + d.handle_s / 2 * interval '1 second' END AS ho_at
    FROM d),
f AS (
    SELECT e.*,
           CASE WHEN e.ho_kind = 'expired' THEN e.ho_at + interval '65 seconds'
                WHEN e.ho_kind IS NOT NULL THEN e.ho_at + interval '20 seconds' END AS ho_answered_at,
           CASE WHEN e.direct_task THEN e.ho_at WHEN e.ho_kind = 'expired' THEN e.ho_at + interval '65 seconds'
                WHEN e.ho_kind = 'declined' THEN e.ho_at + interval '20 seconds' END AS task_at
    FROM e),
g AS (
    SELECT f.*, CASE WHEN f.has_task AND NOT f.task_open
                     THEN least(f.task_at + f.r_hand * interval '3 days', %(now)s - interval '1 minute') END AS task_done_at
    FROM f),
h AS (
    SELECT g.*,
           CASE WHEN g.waiting THEN 'waiting' WHEN g.abandoned THEN 'abandoned' WHEN g.task_open THEN 'callback_scheduled'
                ELSE 'resolved' END AS status,
           CASE WHEN g.waiting THEN NULL
                WHEN g.abandoned THEN g.created_at + (20 + 280 * g.r_wait) * interval '1 second'
                WHEN g.ho_kind = 'accepted' THEN g.ho_answered_at + g.handle_s * interval '1 second'
                WHEN g.has_task THEN g.task_done_at
                ELSE g.answered_at + g.handle_s * interval '1 second' END AS closed_at,
           CASE WHEN g.waiting OR g.abandoned OR g.has_task THEN NULL WHEN g.ho_kind = 'accepted' THEN g.receiver_id
                ELSE g.sender_id END AS owner_id,
           CASE WHEN g.channel = 'phone' THEN g.r_cit < 0.75 WHEN g.channel = 'counter' THEN g.r_cit < 0.5 ELSE true END AS has_citizen
    FROM g),
i AS (
    SELECT row_number() OVER (ORDER BY h.created_at, h.day, h.slot) + %(base_contact)s AS id, h.* FROM h)
SELECT i.id, i.day, i.channel, i.slug, i.domain_id, i.topic_id, i.team_id, i.created_at, i.waiting, i.abandoned, i.ho_kind,
       i.direct_task, i.has_task, i.task_open, i.wait_s, i.handle_s, i.answered_at, i.sender_idx, i.receiver_idx, i.sender_id,
       i.receiver_id, i.ho_at, i.ho_answered_at, i.task_at, i.task_done_at, i.status, i.closed_at, i.owner_id, i.has_citizen,
       i.r_name, i.r_phone, i.r_mail, i.r_lang, i.r_res, i.r_pick, i.r_topic,
       CASE WHEN i.has_citizen THEN %(base_citizen)s + sum(i.has_citizen::int) OVER (ORDER BY i.id) END AS citizen_id,
       CASE WHEN i.ho_kind IS NOT NULL THEN %(base_handover)s + sum((i.ho_kind IS NOT NULL)::int) OVER (ORDER BY i.id) END
           AS handover_id,
       CASE WHEN i.channel = 'counter' THEN i.ticket_prefix || lpad((row_number() OVER (
           PARTITION BY i.domain_id, i.day, i.channel = 'counter' ORDER BY i.id))::text, 3, '0') END AS ticket
FROM i
"""

CITIZENS = """
INSERT INTO citizens (id, name, phone, email, created_at)
SELECT c.citizen_id,
       CASE WHEN c.channel = 'counter' OR c.r_name < 0.7
            THEN (%(first)s::text[])[1 + floor(c.r_name * 24)::int] || ' ' || (%(last)s::text[])[1 + floor(c.r_name * 480)::int %% 20] END,
       CASE WHEN c.channel = 'phone' OR (c.channel = 'web' AND c.r_mail < 0.5)
            THEN '+316' || (12345678 + floor(%(pool)s * c.r_phone ^ 2)::int)::text END,
       CASE WHEN c.channel IN ('email', 'web') OR (c.channel = 'phone' AND c.r_mail < 0.2)
            THEN 'inwoner' || floor(%(pool)s * c.r_mail ^ 2)::int || '@example.nl' END,
       c.created_at
FROM bench_contact c WHERE c.citizen_id IS NOT NULL ORDER BY c.citizen_id
"""

CONTACTS_SQL = """
INSERT INTO contacts (id, channel, citizen_id, question, domain_id, topic_id, language, status, triage, owner_id, external_ref,
                      created_at, updated_at, answered_at, closed_at, routing_method, routing_confidence, ticket, desk_id,
                      outcome, referred_to, queued_at, rank_at, called_at, calls, started_at)
SELECT c.id, c.channel, c.citizen_id,
       CASE WHEN c.channel = 'counter' THEN '' ELSE (%(questions)s::text[])[1 + floor(c.r_topic * %(n_questions)s)::int] END,
       c.domain_id, c.topic_id,
       CASE WHEN c.r_lang < 0.95 THEN 'nl' WHEN c.r_lang < 0.98 THEN 'en' WHEN c.r_lang < 0.99 THEN 'tr' ELSE 'ar' END,
       c.status, false, c.owner_id,
       CASE WHEN c.channel = 'phone' THEN 'bench-call-' || c.id END,
       c.created_at, coalesce(c.closed_at, c.task_at, c.answered_at, c.created_at), c.answered_at, c.closed_at,
       CASE WHEN c.channel IN ('phone', 'counter') THEN 'choice' WHEN c.r_topic > 0.95 THEN 'fallback' ELSE 'router' END,
       CASE WHEN c.channel IN ('phone', 'counter') THEN 1.0 ELSE round((0.3 + 0.7 * c.r_topic)::numeric, 3)::float END,
       c.ticket,
       CASE WHEN c.channel = 'counter' AND c.answered_at IS NOT NULL
            THEN (%(desks)s::int[])[1 + floor(c.r_pick * 7919)::int %% %(n_desks)s] END,
       CASE WHEN c.status <> 'resolved' THEN NULL WHEN c.has_task THEN 'callback_done' WHEN c.r_res < 0.9 THEN 'answered'
            ELSE 'referred_external' END,
       CASE WHEN c.status = 'resolved' AND NOT c.has_task AND c.r_res >= 0.9
            THEN 'UWV, gesproken met de klantenservice; zij bellen vandaag terug' END,
       c.created_at,
       c.created_at - CASE WHEN c.channel IN ('phone', 'counter') THEN interval '300 seconds' ELSE interval '0 seconds' END,
       CASE WHEN c.channel = 'counter' THEN c.answered_at END,
       CASE WHEN c.channel = 'counter' AND c.answered_at IS NOT NULL THEN 1 ELSE 0 END,
       CASE WHEN c.channel = 'counter' THEN c.answered_at END
FROM bench_contact c ORDER BY c.id
"""

HANDOVERS = """
INSERT INTO handovers (id, contact_id, from_staff_id, to_staff_id, to_team_id, summary, done, promised, status, created_at,
                       expires_at, answered_at, answered_by_id, decline_reason)
SELECT c.handover_id, c.id, c.sender_id,
       CASE WHEN c.r_pick < 0.35 THEN c.receiver_id END, CASE WHEN c.r_pick >= 0.35 THEN c.team_id END,
       'Inwoner heeft een vraag die uitzoekwerk van de backoffice vraagt; gegevens en situatie gecontroleerd.',
       'Gegevens en de vraag nagekeken.', 'Er wordt vandaag contact opgenomen.',
       c.ho_kind, c.ho_at, c.ho_at + interval '60 seconds', c.ho_answered_at,
       CASE WHEN c.ho_kind IN ('accepted', 'declined') THEN c.receiver_id END,
       CASE WHEN c.ho_kind = 'declined' THEN 'Ik zit de rest van de middag in huisbezoeken.' END
FROM bench_contact c WHERE c.ho_kind IS NOT NULL ORDER BY c.handover_id
"""

TASKS = """
INSERT INTO tasks (contact_id, team_id, owner_id, handover_id, created_by_id, summary, done, promised, state, created_at, deadline,
                   completed_at, outcome_note)
SELECT c.id, c.team_id,
       CASE WHEN NOT c.task_open THEN c.receiver_id WHEN c.ho_kind = 'expired' AND c.r_pick < 0.35 THEN c.receiver_id END,
       CASE WHEN c.ho_kind IS NOT NULL THEN c.handover_id END, c.sender_id,
       'Inwoner heeft een vraag die uitzoekwerk van de backoffice vraagt; gegevens en situatie gecontroleerd.', '', '',
       CASE WHEN c.task_open THEN 'open' ELSE 'done' END, c.task_at, c.task_at + interval '2 days', c.task_done_at,
       CASE WHEN NOT c.task_open THEN 'Teruggebeld; de vraag is beantwoord.' END
FROM bench_contact c WHERE c.has_task ORDER BY c.task_at
"""

EVENTS = """
INSERT INTO contact_events (contact_id, type, actor_id, at, data)
SELECT c.id, e.type, e.actor_id, e.at, e.data
FROM bench_contact c CROSS JOIN LATERAL (VALUES
    (1, 'arrived', %(integration)s::int, c.created_at, json_build_object('channel', c.channel, 'language', 'nl')),
    (2, 'routed', %(integration)s::int, c.created_at, json_build_object('method', 'choice', 'domain', c.slug, 'confidence', 1.0)),
    (3, CASE WHEN c.abandoned THEN 'abandoned' WHEN c.answered_at IS NOT NULL THEN 'claimed' END,
        CASE WHEN c.abandoned THEN %(integration)s::int ELSE c.sender_id END, coalesce(c.answered_at, c.closed_at),
        json_build_object('waited_s', extract(epoch FROM coalesce(c.answered_at, c.closed_at) - c.created_at)::int)),
    (4, CASE WHEN c.r_res > 0.85 AND c.answered_at IS NOT NULL THEN 'note' END, c.sender_id,
        c.answered_at + c.handle_s / 4 * interval '1 second', json_build_object('text', 'Inwoner belde vorige week ook hierover.')),
    (5, CASE WHEN c.ho_kind IS NOT NULL THEN 'handover_offered' END, c.sender_id, c.ho_at,
        json_build_object('to', 'backoffice', 'summary', 'Uitzoekwerk voor de backoffice.')),
    (6, CASE WHEN c.ho_kind IS NOT NULL THEN 'handover_' || c.ho_kind END,
        CASE WHEN c.ho_kind <> 'expired' THEN c.receiver_id END, c.ho_answered_at, json_build_object()),
    (7, CASE WHEN c.has_task THEN 'task_created' END, c.sender_id, c.task_at,
        json_build_object('team', 'backoffice', 'deadline', c.task_at + interval '2 days')),
    (8, CASE WHEN c.task_done_at IS NOT NULL THEN 'task_completed' END, c.receiver_id, c.task_done_at,
        json_build_object('on_time', c.task_done_at <= c.task_at + interval '2 days')),
    (9, CASE WHEN c.status = 'resolved' AND NOT c.has_task THEN 'resolved' END, c.owner_id, c.closed_at,
        json_build_object('outcome', CASE WHEN c.r_res < 0.9 THEN 'answered' ELSE 'referred_external' END))
) AS e(k, type, actor_id, at, data)
WHERE e.type IS NOT NULL
ORDER BY c.id, e.k
"""

AUDIT = """
INSERT INTO audit_log (at, actor_id, actor_name, action, object_type, object_id, result, origin, detail)
SELECT e.at, e.actor_id, e.actor_name, e.action, 'contact', c.id::text, 'ok', '127.0.0.1', e.detail
FROM bench_contact c CROSS JOIN LATERAL (VALUES
    (c.created_at, %(integration)s::int, 'telefonie', 'contact.create', c.channel),
    (coalesce(c.answered_at, c.closed_at), CASE WHEN c.abandoned THEN %(integration)s::int ELSE c.sender_id END,
     CASE WHEN c.abandoned THEN 'telefonie' ELSE (%(names)s::text[])[c.sender_idx] END,
     CASE WHEN c.abandoned THEN 'contact.abandon' WHEN c.answered_at IS NOT NULL THEN 'contact.claim' END, ''),
    (coalesce(c.ho_at, c.closed_at), coalesce(c.owner_id, c.sender_id), (%(names)s::text[])[c.sender_idx],
     CASE WHEN c.ho_kind IS NOT NULL THEN 'handover.offer' WHEN c.direct_task THEN 'task.create'
          WHEN c.status = 'resolved' THEN 'contact.resolve' END,
     CASE WHEN c.r_res < 0.9 THEN 'answered' ELSE 'referred_external' END)
) AS e(at, actor_id, actor_name, action, detail)
WHERE e.action IS NOT NULL
ORDER BY e.at
"""

TICKETS = """
INSERT INTO ticket_counters (domain_id, day, last)
SELECT c.domain_id, c.day, count(*) FROM bench_contact c WHERE c.channel = 'counter' GROUP BY c.domain_id, c.day
ON CONFLICT (domain_id, day) DO UPDATE SET last = ticket_counters.last + EXCLUDED.last
"""


# Columns later migrations added that the app derives itself, filled the way the app (or its migration) would,
# when the schema has them: (table, column, SQL).
DERIVED = [
    ("contacts", "repeated", """
UPDATE contacts SET repeated = true WHERE NOT repeated AND id IN (
    SELECT p.id FROM (SELECT ct.id, ct.created_at, lag(ct.created_at) OVER (PARTITION BY ci.phone ORDER BY ct.created_at, ct.id) AS previous
                      FROM contacts ct JOIN citizens ci ON ci.id = ct.citizen_id WHERE ci.phone IS NOT NULL) AS p
    WHERE p.previous >= p.created_at - interval '7 days'
    UNION
    SELECT e.id FROM (SELECT ct.id, ct.created_at, lag(ct.created_at) OVER (PARTITION BY ci.email ORDER BY ct.created_at, ct.id) AS previous
                      FROM contacts ct JOIN citizens ci ON ci.id = ct.citizen_id WHERE ci.email IS NOT NULL) AS e
    WHERE e.previous >= e.created_at - interval '7 days')
"""),
]


def history_days(size: int, today: date) -> list[tuple[date, int, bool]]:
    """(day, contacts, weekend) going back from yesterday at the fixed daily rate until `size` contacts."""
    days, left, day = [], size, today - timedelta(days=1)
    while left > 0:
        weekend = day.weekday() >= 5
        n = min(left, WEEKEND_RATE if weekend else WEEKDAY_RATE)
        days.append((day, n, weekend))
        left -= n
        day -= timedelta(days=1)
    return days


def _fill(conn: psycopg.Connection, staffing: Staffing, days: list[tuple[date, int, bool]], *, created: str, waiting: str,
          handovers: bool, pool: int, extra: dict, timings: list[tuple[str, float]]) -> dict[str, int]:
    """One batch of contacts with everything around them; returns the rows written per table."""
    def step(name: str, sql: str, params: dict | None = None) -> int:
        started = time.perf_counter()
        cursor = conn.execute(sql, params)
        conn.commit()
        timings.append((name, time.perf_counter() - started))
        return cursor.rowcount

    base = {name: conn.execute(f"SELECT coalesce(max(id), 0) FROM {name}").fetchone()[0]
            for name in ("contacts", "citizens", "handovers")}
    desks = [row[0] for row in conn.execute("SELECT id FROM desks WHERE active ORDER BY id")]
    conn.execute("DROP TABLE IF EXISTS bench_draw, bench_contact")
    step("draw", DRAW, {"days": [d for d, _, _ in days], "counts": [n for _, n, _ in days], "weekend": [w for _, _, w in days]})
    params = {"handovers": handovers, "n_agents": len(staffing.agent_ids), "agents": staffing.agent_ids, "today": local_today(),
              "now": datetime.now(AMSTERDAM), "base_contact": base["contacts"], "base_citizen": base["citizens"],
              "base_handover": base["handovers"], **extra}
    step("derive", CONTACT.replace("{created}", created).replace("{waiting}", waiting), params)
    written = {"contacts": 0}
    written["citizens"] = step("citizens", CITIZENS, {"first": FIRST, "last": LAST, "pool": pool})
    written["contacts"] = step("contacts", CONTACTS_SQL, {"questions": HISTORY_QUESTIONS, "n_questions": len(HISTORY_QUESTIONS),
                                                          "desks": desks, "n_desks": len(desks)})
    written["handovers"] = step("handovers", HANDOVERS)
    written["tasks"] = step("tasks", TASKS)
    written["contact_events"] = step("contact_events", EVENTS, {"integration": staffing.integration_id})
    written["audit_log"] = step("audit_log", AUDIT, {"integration": staffing.integration_id, "names": staffing.agent_names})
    step("ticket_counters", TICKETS)
    for table in ("contacts", "citizens", "handovers"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))")
    conn.execute("DROP TABLE bench_draw, bench_contact")
    conn.commit()
    return written


def fill(dsn: str, staffing: Staffing, size: int) -> tuple[dict[str, int], list[tuple[str, float]], list[tuple[date, int, bool]]]:
    """History at the fixed daily rate, then today so far (the same at every size), then VACUUM (ANALYZE)."""
    timings: list[tuple[str, float]] = []
    today = local_today()
    days = history_days(size, today)
    with psycopg.connect(dsn) as conn:
        conn.execute("SET work_mem = '256MB'")
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET jit = off")  # compiling these one-off statements costs more than running them
        written = _fill(conn, staffing, days, created=HISTORY_CREATED, waiting="false", handovers=True, pool=size, extra={},
                        timings=timings)
        now = datetime.now(AMSTERDAM)
        hi = now - timedelta(minutes=12)
        lo = max(datetime.combine(today, datetime.min.time(), tzinfo=AMSTERDAM), now - timedelta(hours=8))
        if hi - lo < timedelta(hours=1):  # just after midnight: "today so far" is the last few hours
            lo = hi - timedelta(hours=3)
        conn.execute("SELECT setseed(0.42)")
        today_rows = _fill(conn, staffing, [(today, TODAY_CONTACTS, False)], created=TODAY_CREATED, waiting="a.slot > %(resolved)s",
                           handovers=False, pool=TODAY_POOL,
                           extra={"resolved": TODAY_CONTACTS - TODAY_WAITING, "lo": lo, "hi": hi}, timings=timings)
        for table, n in today_rows.items():
            written[table] = written.get(table, 0) + n
        for table, column, sql in DERIVED:
            if conn.execute("SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                            (table, column)).fetchone():
                started = time.perf_counter()
                written[f"{table}.{column}"] = conn.execute(sql).rowcount
                conn.commit()
                timings.append((f"{table}.{column}", time.perf_counter() - started))
        conn.autocommit = True
        started = time.perf_counter()
        # VACUUM as well: a database that grew over years has been vacuumed by autovacuum long since; a freshly
        # filled one would otherwise vacuum millions of new rows in the middle of the measurement
        conn.execute("VACUUM (ANALYZE)")
        timings.append(("vacuum analyze", time.perf_counter() - started))
    return written, timings, days


# --- HTTP: API clients and browser sessions --------------------------------------------------------

class Timeout(Exception):
    """A call took longer than --timeout; the server may still be working on it."""


class TimedClient(Client):
    """bench.run.Client with a timeout of one's choosing, and one try: a timeout is a result, not retried."""

    def __init__(self, port: int, token: str, timeout: float):
        super().__init__(port, token)
        self.timeout = timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def once(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any, float]:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self.conn.request(method, f"{API}{path}", body=payload, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                elapsed = time.perf_counter() - started
                return response.status, (json.loads(raw) if raw else None), elapsed
            except TimeoutError:
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                raise Timeout(path) from None
            except (ConnectionError, http.client.HTTPException, OSError):  # a kept-alive connection the server closed
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")


class _Inputs(HTMLParser):
    """The hidden inputs of a form (the CSRF token of the login form)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "input" and found.get("name"):
            self.values[found["name"]] = found.get("value") or ""


class Browser:
    """One browser: a cookie jar (by hand: the session cookie is Secure in production, and this is plain http) and
    one kept-alive connection, as a browser tab keeps one."""

    def __init__(self, port: int, timeout: float = 30.0, agent: str = "kcc-bench-scale"):
        self.port, self.timeout, self.agent = port, timeout, agent
        self.cookies: dict[str, str] = {}
        self.last_headers: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None) -> tuple[int, str, float]:
        sent = {"User-Agent": self.agent, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                raw = response.read()
                elapsed = time.perf_counter() - started
                self.last_headers = dict(response.headers.items())
                for header in response.headers.get_all("Set-Cookie") or []:
                    jar: SimpleCookie = SimpleCookie()
                    jar.load(header)
                    for name, morsel in jar.items():
                        if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                            self.cookies.pop(name, None)
                        else:
                            self.cookies[name] = morsel.value
                return response.status, raw.decode("utf-8", "replace"), elapsed
            except TimeoutError:
                self.close()
                raise Timeout(path) from None
            except (ConnectionError, http.client.HTTPException, OSError):
                self.close()
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")

    def close(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def login(self, username: str, password: str = PASSWORD) -> None:
        """Through the real form: the page, its CSRF token, the POST; a redirect away from the form is success."""
        status, html, _ = self.request("GET", LOGIN)
        form = _Inputs()
        form.feed(html)
        if status != 200 or "csrf_token" not in form.values:
            raise RuntimeError(f"login page of {username}: {status}, no CSRF token")
        body = urlencode({**form.values, "username": username, "password": password}).encode()
        status, _, _ = self.request("POST", LOGIN, {"Content-Type": "application/x-www-form-urlencoded"}, body)
        if status not in (302, 303):
            raise RuntimeError(f"login of {username} failed: {status}")


def login_all(port: int, usernames: list[str], pool: int = 4) -> dict[str, dict[str, str]]:
    """Log everyone in before measuring (argon2 per login), four at a time; user name → cookies."""
    def one(username: str) -> tuple[str, dict[str, str]]:
        browser = Browser(port, timeout=120)
        browser.login(username)
        browser.conn.close()
        return username, browser.cookies
    with ThreadPoolExecutor(pool) as executor:
        return dict(executor.map(one, usernames))


# --- gunicorn and process accounting ---------------------------------------------------------------

def kcc_env(url: str) -> dict[str, str]:
    return {**os.environ, "KCC_DATABASE_URL": url, "KCC_ENV": "production", "KCC_SECRET_KEY": secrets.token_hex(32)}


def settle_like_the_worker(url: str, days: int, outbox: Path) -> str:
    """What `kcc worker` has done by the time a year of history lies behind it (indicators of settled days kept):
    as many rounds of `kcc worker --once` as a year of days needs. Says what it did."""
    try:
        from kcc.floor import indicators

        per_round = int(getattr(indicators, "SETTLE_PER_CALL", 31))
    except ImportError:
        per_round = 31
    started = time.perf_counter()
    rounds = days // per_round + 2
    for _ in range(rounds):
        done = subprocess.run([str(Path(sys.executable).parent / "kcc"), "worker", "--once", "--outbox", str(outbox)], cwd=ROOT,
                              env=kcc_env(url), capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            return f"`kcc worker --once` failed ({done.returncode}): {(done.stderr or done.stdout).strip().splitlines()[-1:]}"
    return f"{rounds} rounds of `kcc worker --once` beforehand ({time.perf_counter() - started:.0f} s), as a running worker would have"


def start_worker(url: str, outbox: Path) -> subprocess.Popen:
    """`kcc worker` beside gunicorn, as production runs it (`make run` does too)."""
    return subprocess.Popen([str(Path(sys.executable).parent / "kcc"), "worker", "--outbox", str(outbox)], cwd=ROOT,
                            env=kcc_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_gunicorn(process: subprocess.Popen) -> None:
    """TERM, then KILL its workers and itself if a long request keeps them (only the processes this run started)."""
    workers = children(process.pid)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for pid in workers + ([process.pid] if process.poll() is None else []):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=10)


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, utime + stime in clock ticks) from /proc."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def _all_stats() -> dict[int, tuple[int, int]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            found[int(entry)] = stat
    return found


def children(root: int) -> list[int]:
    stats = _all_stats()
    tree, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _) in stats.items():
            if ppid == parent:
                tree.append(pid)
                frontier.append(pid)
    return tree


def tree_ticks(roots: list[int]) -> int:
    """CPU ticks used so far by these processes and all their descendants."""
    stats = _all_stats()
    seen, frontier, total = set(), list(roots), 0
    while frontier:
        pid = frontier.pop()
        if pid in seen:
            continue
        seen.add(pid)
        if pid in stats:
            total += stats[pid][1]
        frontier.extend(child for child, (ppid, _) in stats.items() if ppid == pid)
    return total


def own_ticks(pids: list[int]) -> int:
    """CPU ticks used so far by exactly these processes (the clients: not gunicorn, which is a child of this one)."""
    return sum(stat[1] for pid in pids if (stat := _stat(pid)) is not None)


def postmaster_pid(server: PgServer) -> int:
    return int((server.data / "postmaster.pid").read_text().split()[0])


# --- the history phase: calls, one after another ----------------------------------------------------

@dataclass
class Context:
    """What the calls share: who is who, the hot phone number, the position endpoint (if the API has one)."""

    position_path: str | None
    created: list[int] = field(default_factory=list)  # waiting contacts the calls made, abandoned afterwards
    claimed: list[int] = field(default_factory=list)


class HttpTransport:
    """Calls against gunicorn: API tokens and logged-in browsers, one kept-alive connection each."""

    def __init__(self, port: int, staffing: Staffing, timeout: float):
        self.port, self.staffing, self.timeout = port, staffing, timeout
        self.clients = {who: TimedClient(port, token, timeout) for who, token in staffing.tokens.items()}
        self.browsers: dict[str, Browser] = {}
        self.elapsed = 0.0

    def api(self, who: str, method: str, path: str, body: dict | None = None, timed: bool = False) -> tuple[int, Any]:
        status, answer, elapsed = self.clients[who].once(method, path, body)
        if timed:
            self.elapsed = elapsed
        return status, answer

    def page(self, who: str, path: str, timed: bool = False) -> tuple[int, str]:
        if who not in self.browsers:
            browser = Browser(self.port, timeout=max(self.timeout, 120))  # argon2 at login is not what is measured
            browser.login(self.staffing.usernames[who])
            browser.timeout = self.timeout
            browser.close()
            self.browsers[who] = browser
        status, html, elapsed = self.browsers[who].request("GET", path, {"HX-Request": "true", "X-KCC-Poll": "1"})
        if timed:
            self.elapsed = elapsed
        return status, html

    def close(self) -> None:
        for client in self.clients.values():
            client.close()
        for browser in self.browsers.values():
            browser.conn.close()


Call = Callable[[Any, Context], int]


def _claim(t, ctx: Context) -> int:
    t.api("integration", "POST", CONTACTS, {"channel": "phone", "question": QUESTIONS[0]})
    status, body = t.api("agent", "POST", NEXT, timed=True)
    if status == 200:
        ctx.claimed.append(body["id"])
        t.api("agent", "POST", RESOLVE.format(id=body["id"]), {"outcome": "answered"})
    return status


def _intake_repeat(t, ctx: Context) -> int:
    status, body = t.api("integration", "POST", CONTACTS, {"channel": "phone", "question": random.choice(QUESTIONS),
                                                         "citizen": {"phone": HOT_PHONE}}, timed=True)
    if status in (200, 201):
        ctx.created.append(body["id"])
    return status


def _position(t, ctx: Context) -> int:
    """The API's own position call when it has one; else the position and expected wait in the intake answer."""
    if ctx.position_path is None:
        status, body = t.api("integration", "POST", CONTACTS, {"channel": "phone", "question": random.choice(QUESTIONS)},
                             timed=True)
        if status in (200, 201):
            ctx.created.append(body["id"])
            assert "position" in body and "estimated_wait_s" in body, body
        return status
    if not ctx.created:
        _, body = t.api("integration", "POST", CONTACTS, {"channel": "phone", "question": QUESTIONS[1]})
        ctx.created.append(body["id"])
    status, _ = t.api("integration", "GET", ctx.position_path.format(id=ctx.created[-1]), timed=True)
    return status


def _get(who: str, path: str) -> Call:
    def call(t, _ctx: Context) -> int:
        return t.api(who, "GET", path, timed=True)[0]
    return call


def _indicators(days: int) -> Call:
    def call(t, _ctx: Context) -> int:
        today = local_today()
        return t.api("lead", "GET", f"{INDICATORS}?from={today - timedelta(days=days - 1)}&to={today}", timed=True)[0]
    return call


def _page(who: str, path: str) -> Call:
    def call(t, _ctx: Context) -> int:
        return t.page(who, path, timed=True)[0]
    return call


def history_calls(position_path: str | None) -> list[tuple[str, str, Call]]:
    """(name, what is timed, call) in the order they run; the slow indicators last."""
    position = (f"GET {API}{position_path}" if position_path else
                f"POST {API}{CONTACTS} (the API has no position call: the intake answer's position + estimated_wait_s)")
    return [
        ("queue panel", f"GET {API}{QUEUES}", _get("agent_b", QUEUES)),
        ("lobby display", f"GET {API}{LOBBY}", _get("host", LOBBY)),
        *[(name, f"GET {path} (HX-Request)", _page(who, path)) for name, who, path in BROWSER_CALLS],
        ("position + wait", position, _position),
        ("intake, repeat caller", f"POST {API}{CONTACTS} with citizen.phone {HOT_PHONE}", _intake_repeat),
        ("claim", f"POST {API}{NEXT}", _claim),
        ("indicators 1 day", f"GET {API}{INDICATORS}", _indicators(1)),
        ("indicators 30 days", f"GET {API}{INDICATORS}", _indicators(30)),
        ("indicators 365 days", f"GET {API}{INDICATORS}", _indicators(365)),
    ]


@dataclass
class CallResult:
    name: str
    what: str
    samples: list[float] = field(default_factory=list)  # ms
    first: float | None = None  # ms: the first (warm-up) call
    answers: Counter = field(default_factory=Counter)
    timeouts: int = 0

    @property
    def p95(self) -> float | None:
        value = q(self.samples, 95)
        if self.timeouts:
            return float("inf")
        return value


def find_position_path(port: int) -> str | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"{API}{OPENAPI}")
    document = json.loads(conn.getresponse().read())
    conn.close()
    for path, operations in document.get("paths", {}).items():
        if "get" in operations and POSITION_PATH.match(path):
            return re.sub(r"\{[^}]+\}", "{id}", path)
    return None


def abandon_created(dsn: str, ids: list[int]) -> None:
    """The intake calls' contacts leave the queue, so every call after them sees the queue 'today' left."""
    if ids:
        with psycopg.connect(dsn) as conn:
            conn.execute("UPDATE contacts SET status = 'abandoned', closed_at = now(), updated_at = now() "
                         "WHERE id = ANY(%s) AND status = 'waiting'", (ids,))
        ids.clear()


def run_history(port_box: list[int], restart: Callable[[], None], staffing: Staffing, dsn: str, args) -> tuple[list[CallResult], int]:
    """Every call --calls times in a row after a short warm-up, within --budget seconds per call."""
    ctx = Context(find_position_path(port_box[0]))
    for who in ("agent", "agent_b"):
        Client(port_box[0], staffing.tokens[who]).call("PUT", PRESENCE, {"state": "available"})
    t = HttpTransport(port_box[0], staffing, args.timeout)
    results = []
    for name, what, call in history_calls(ctx.position_path):
        result = CallResult(name, what)
        started = time.perf_counter()
        try:
            for _ in range(3):  # warm-up: caches, prepared statements, the router
                call(t, ctx)
                result.first = t.elapsed * 1000 if result.first is None else result.first
                if time.perf_counter() - started > args.budget:
                    break
            started = time.perf_counter()
            while len(result.samples) < args.calls and (time.perf_counter() - started < args.budget or len(result.samples) < 3):
                result.answers[call(t, ctx)] += 1
                result.samples.append(t.elapsed * 1000)
                if time.perf_counter() - started > args.budget and t.elapsed > args.budget / 3:
                    break  # each call takes a good part of the budget: a few samples say enough
        except Timeout:
            result.timeouts += 1
            result.answers[f"timeout > {args.timeout:g} s"] += 1
            t.close()
            restart()  # the server may still be busy with it: a fresh gunicorn for what follows
            t = HttpTransport(port_box[0], staffing, args.timeout)
        abandon_created(dsn, ctx.created)
        results.append(result)
        print(f"  {name:<24} {stats_line(result.samples)}  [{statuses(result.answers)}]  first {ms(result.first)}  {what}",
              flush=True)
    t.close()
    doubles = 0
    if ctx.claimed:
        run = Run()
        run.claimed = ctx.claimed
        twice, in_db = double_assignments(run, args.url)
        doubles = twice + in_db
        print(f"  double assignments in the claim loop: {doubles}")
    return results, doubles


# --- --explain: the SELECTs each call runs, with their plans ----------------------------------------

# the indexes issue 10 added for hot queries: --explain shows each statement that uses one with and without it
HOT_INDEXES = ("ix_contacts_created", "ix_contacts_called", "ix_handovers_created", "ix_handovers_sender",
               "ix_tasks_created", "ix_tasks_state_deadline")


class _Enough(Exception):
    """Enough statements of this call seen (a call that runs long repeats the same few)."""


class FlaskTransport:
    """The same calls in-process through the Flask test client, with every SELECT of the timed request collected."""

    def __init__(self, url: str, staffing: Staffing, budget: float):
        from kcc import create_app

        self.app = create_app({"DATABASE_URL": url, "TESTING": True},
                              environ={"KCC_ENV": "testing", "KCC_DATABASE_URL": url, "KCC_PRESENCE_FRESH_S": "30"})
        self.staffing, self.budget = staffing, budget
        self.clients: dict[str, Any] = {}
        self.collecting = False
        self.started = 0.0
        self.seen: dict[str, dict] = {}  # statement → {"params", "count", "ms"}
        engine = self.app.extensions["kcc.engine"]
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, _cursor, statement, parameters, _context, executemany):
        if not self.collecting or executemany:
            return
        if time.perf_counter() - self.started > self.budget:
            raise _Enough()
        conn.info["bench_t0"] = time.perf_counter()
        if statement.lstrip().lstrip("(").upper().startswith(("SELECT", "WITH")):
            entry = self.seen.setdefault(statement, {"params": parameters, "count": 0, "ms": 0.0})
            entry["count"] += 1

    def _after(self, conn, _cursor, statement, _parameters, _context, _executemany):
        if self.collecting and statement in self.seen and "bench_t0" in conn.info:
            self.seen[statement]["ms"] += (time.perf_counter() - conn.info.pop("bench_t0")) * 1000

    def _client(self, who: str):
        if who not in self.clients:
            self.clients[who] = self.app.test_client()
        return self.clients[who]

    def _run(self, timed: bool, request: Callable[[], Any]):
        self.collecting, self.started = timed, time.perf_counter()
        try:
            return request()
        finally:
            self.collecting = False

    def api(self, who: str, method: str, path: str, body: dict | None = None, timed: bool = False) -> tuple[int, Any]:
        client = self._client(f"api:{who}")
        headers = {"Authorization": f"Bearer {self.staffing.tokens[who]}"}
        response = self._run(timed, lambda: client.open(f"{API}{path}", method=method, headers=headers, json=body))
        return response.status_code, response.get_json(silent=True)

    def page(self, who: str, path: str, timed: bool = False) -> tuple[int, str]:
        client = self._client(f"web:{who}")
        if not getattr(client, "bench_logged_in", False):
            form = _Inputs()
            form.feed(client.get(LOGIN).get_data(as_text=True))
            answer = client.post(LOGIN, data={**form.values, "username": self.staffing.usernames[who], "password": PASSWORD})
            assert answer.status_code in (302, 303), answer.status_code
            client.bench_logged_in = True
        response = self._run(timed, lambda: client.get(path, headers={"HX-Request": "true", "X-KCC-Poll": "1"}))
        return response.status_code, response.get_data(as_text=True)

    def close(self) -> None:
        self.app.extensions["kcc.engine"].dispose()


def explain(url: str, dsn: str, staffing: Staffing, size: int, budget: float, position_path: str | None) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every distinct SELECT each call runs, with the parameters it ran with."""
    t = FlaskTransport(url, staffing, budget)
    ctx = Context(position_path)
    for who in ("agent", "agent_b"):
        t.api(who, "PUT", PRESENCE, {"state": "available"})
    try:
        with psycopg.connect(dsn) as raw:
            for name, what, call in history_calls(position_path):
                t.seen = {}
                started = time.perf_counter()
                cut = ""
                try:
                    call(t, ctx)
                except _Enough:
                    cut = f"; stopped collecting after {budget:g} s"
                elapsed = time.perf_counter() - started
                abandon_created(dsn, ctx.created)
                print(f"\n== EXPLAIN {size:,} contacts · {name} ({what}): {len(t.seen)} distinct SELECTs, "
                      f"{sum(e['count'] for e in t.seen.values())} run, {elapsed:.2f} s in-process{cut}")
                for statement, entry in sorted(t.seen.items(), key=lambda kv: -kv[1]["ms"]):
                    first = " ".join(statement.split())[:140]
                    print(f"-- ×{entry['count']}, {entry['ms']:.1f} ms in all: {first}")
                    try:
                        with raw.transaction(force_rollback=True):
                            plan = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, entry["params"]).fetchall()
                        for (line,) in plan:
                            print(f"     {line}")
                        if used := [index for index in HOT_INDEXES if any(index in line for (line,) in plan)]:
                            # before: the same statement as the database planned it without the index it uses
                            # (dropped inside a transaction that is rolled back)
                            with raw.transaction(force_rollback=True):
                                for index in used:
                                    raw.execute(f"DROP INDEX {index}")
                                before = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, entry["params"]).fetchall()
                            print(f"   before, without {', '.join(used)} (added in migrations 0007 and 0008):")
                            for (line,) in before:
                                print(f"     {line}")
                    except psycopg.Error as error:
                        print(f"     (no plan: {str(error).splitlines()[0]})")
    finally:
        t.close()


# --- the screens phase -------------------------------------------------------------------------------

EVERY = re.compile(r"every\s+(\d+(?:\.\d+)?)(ms|s)\b")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    """An element of a screen's page, as far as htmx needs it: tag, attributes, children (no text)."""

    __slots__ = ("tag", "attrs", "children", "parent")

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None = None):
        self.tag, self.attrs, self.children, self.parent = tag, attrs, [], parent

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def closest_attr(self, name: str) -> str | None:
        """htmx inherits most hx- attributes: the element's own, else the nearest ancestor's."""
        for node in (self, *self.ancestors()):
            if name in node.attrs:
                return node.attrs[name]
        return None

    def merged_json(self, name: str) -> dict:
        """hx-headers and hx-vals: the ancestors' merged, the nearest winning."""
        merged: dict = {}
        for node in reversed([self, *self.ancestors()]):
            merged.update(_json_attr(node.attrs.get(name)))
        return merged

    @property
    def interval(self) -> float | None:
        """The polling interval of hx-trigger="every Ns" on an element with hx-get; None if it does not poll."""
        if not self.attrs.get("hx-get"):
            return None
        match = EVERY.search(self.attrs.get("hx-trigger", ""))
        if match is None:
            return None
        return float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)

    def replace_with(self, nodes: list[Node]) -> None:
        assert self.parent is not None
        siblings = self.parent.children
        index = next(i for i, child in enumerate(siblings) if child is self)
        for node in nodes:
            node.parent = self.parent
        siblings[index:index + 1] = nodes
        self.parent = None

    def set_children(self, nodes: list[Node]) -> None:
        for node in nodes:
            node.parent = self
        self.children = nodes


def _json_attr(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class _Tree(HTMLParser):
    """HTML → Node tree with the standard library's forgiving parser (void elements, stray end tags)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.open = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {name: value or "" for name, value in attrs}, self.open)
        self.open.children.append(node)
        if tag not in VOID:
            self.open = node

    def handle_startendtag(self, tag, attrs):
        self.open.children.append(Node(tag, {name: value or "" for name, value in attrs}, self.open))

    def handle_endtag(self, tag):
        for node in (self.open, *self.open.ancestors()):
            if node.tag == tag:
                self.open = node.parent or self.root
                return


def parse(html: str) -> Node:
    parser = _Tree()
    parser.feed(html)
    parser.close()
    return parser.root


_COMPOUND = re.compile(r"([a-zA-Z][\w-]*)|#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:=[\"']?([^\"'\]]*)[\"']?)?\]")


def _matches(node: Node, compound: str) -> bool:
    for tag, id_, cls, attr, value in _COMPOUND.findall(compound):
        if tag and node.tag != tag.lower():
            return False
        if id_ and node.id != id_:
            return False
        if cls and cls not in node.attrs.get("class", "").split():
            return False
        if attr and (attr not in node.attrs or (value and node.attrs[attr] != value)):
            return False
    return True


def _matches_chain(node: Node, steps: list[str]) -> bool:
    """A CSS selector of compounds with descendant (space) and child (>) combinators, matched right to left."""
    if not steps or not _matches(node, steps[-1]):
        return False
    rest = steps[:-1]
    if not rest:
        return True
    if rest[-1] == ">":
        return node.parent is not None and _matches_chain(node.parent, rest[:-1])
    return any(_matches_chain(ancestor, rest) for ancestor in node.ancestors())


def query(root: Node, selector: str, origin: Node) -> list[Node]:
    """htmx's extended selectors as hx-include uses them: this, closest X, find X, or a CSS selector list."""
    found: list[Node] = []
    for part in (p.strip() for p in selector.split(",")):
        if part == "this":
            found.append(origin)
        elif part.startswith("closest "):
            steps = part[8:].replace(">", " > ").split()
            found += [next((n for n in (origin, *origin.ancestors()) if _matches_chain(n, steps)), None)] if steps else []
        elif part.startswith("find "):
            steps = part[5:].replace(">", " > ").split()
            found += [next((n for n in origin.walk() if n is not origin and _matches_chain(n, steps)), None)]
        elif part:
            steps = part.replace(">", " > ").split()
            found += [n for n in root.walk() if _matches_chain(n, steps)]
    return [n for n in found if n is not None]


def form_values(nodes: list[Node]) -> list[tuple[str, str]]:
    """The named inputs these nodes are or contain (GET: as query parameters)."""
    values = []
    for node in nodes:
        for element in node.walk():
            name = element.attrs.get("name")
            if not name or element.tag not in ("input", "select", "textarea") or "disabled" in element.attrs:
                continue
            if element.tag == "input" and element.attrs.get("type") in ("checkbox", "radio") and "checked" not in element.attrs:
                continue
            values.append((name, element.attrs.get("value", "")))
    return values


@dataclass
class Poller:
    node: Node | None  # None: the lobby display, an API client
    url: str
    interval: float
    due: float


@dataclass
class Sample:
    path: str
    status: int | str
    ms: float
    late_ms: float


class Recorder:
    """What one client process measured inside the window."""

    def __init__(self, window: tuple[float, float]):
        self.window = window
        self.lock = threading.Lock()
        self.samples: list[Sample] = []
        self.next_ms: list[float] = []
        self.next_answers: Counter = Counter()
        self.claimed: list[int] = []
        self.resolved = 0
        self.errors: Counter = Counter()
        self.loads: Counter = Counter()

    def inside(self, at: float) -> bool:
        return self.window[0] <= at < self.window[1]

    def add(self, sample: Sample, at: float) -> None:
        if self.inside(at):
            with self.lock:
                self.samples.append(sample)


class Screen:
    """One open browser tab doing what htmx does with its page, read generically from the HTML:

    every element with hx-get and hx-trigger="every Ns" polls at its interval (the timer starts when the element
    enters the page and is re-armed when it fires), with hx-headers and hx-vals (nearest wins, inherited), the
    inputs its hx-include selects (this, closest, find, CSS with descendant and child combinators) as query
    parameters, and HX-Request: true. A 2xx answer other than 204 is swapped: hx-swap-oob elements replace the
    elements with their id, the rest goes where hx-target and hx-swap say (outerHTML, innerHTML, none, …); an
    element that leaves the page stops polling, a polling element that enters it starts. 204 and 304 change
    nothing. Like a browser's HTTP cache, an ETag is revalidated with If-None-Match unless the answer said no-store.
    """

    def __init__(self, port: int, kind: str, page: str, cookies: dict[str, str], start_at: float, rec: Recorder,
                 token: str | None = None):
        self.port, self.kind, self.page, self.start_at, self.rec, self.token = port, kind, page, start_at, rec, token
        self.browser = Browser(port)
        self.browser.cookies = dict(cookies)
        self.root = Node("#root", {})
        self.pollers: dict[int, Poller] = {}  # id(node) → poller
        self.etags: dict[str, str] = {}

    def _load(self) -> None:
        now = time.time()
        if self.kind == "lobby":
            self.pollers[0] = Poller(None, f"{API}{LOBBY}", 5.0, now + 5.0)
            return
        status, html, _ = self.browser.request("GET", self.page)
        self.rec.loads[f"GET {self.page} {status}"] += 1
        self.root = parse(html)
        self._rescan(now)

    def _rescan(self, now: float) -> None:
        """Pollers follow the page: kept while their element is on it, started for elements new to it."""
        current = {}
        for node in self.root.walk():
            interval = node.interval
            if interval is None:
                continue
            known = self.pollers.get(id(node))
            current[id(node)] = known if known is not None and known.node is node else Poller(node, node.attrs["hx-get"], interval,
                                                                                              now + interval)
        self.pollers = current

    def _request(self, poller: Poller) -> tuple[str, dict[str, str]]:
        if poller.node is None:
            return poller.url, {"Authorization": f"Bearer {self.token}"}
        node = poller.node
        params = [(k, str(v)) for k, v in node.merged_json("hx-vals").items()]
        include = node.closest_attr("hx-include")
        if include:
            params = form_values(query(self.root, include, node)) + params
        url = poller.url + (("&" if "?" in poller.url else "?") + urlencode(params) if params else "")
        target = self._target(node)
        headers = {**node.merged_json("hx-headers"), "HX-Request": "true",
                   "HX-Current-URL": f"http://127.0.0.1:{self.port}{self.page}"}
        if node.id:
            headers["HX-Trigger"] = node.id
        if target is not None and target.id:
            headers["HX-Target"] = target.id
        return url, headers

    def _target(self, node: Node) -> Node | None:
        spec = node.closest_attr("hx-target")
        if not spec or spec == "this":
            return node
        found = query(self.root, spec, node)
        return found[0] if found else None

    def _poll(self, poller: Poller, late: float) -> None:
        url, headers = self._request(poller)
        if url in self.etags:
            headers["If-None-Match"] = self.etags[url]
        fired = time.time()
        try:
            status, html, elapsed = self.browser.request("GET", url, headers)
        except Timeout:
            status, html, elapsed = "timeout", "", time.time() - fired
        except (OSError, http.client.HTTPException) as error:
            status, html, elapsed = type(error).__name__, "", time.time() - fired
        self.rec.add(Sample(urlsplit(url).path, status, elapsed * 1000, late), fired)
        answer = self.browser.last_headers
        if isinstance(status, int) and status == 200 and answer.get("ETag") and "no-store" not in answer.get("Cache-Control", ""):
            self.etags[url] = answer["ETag"]
        if poller.node is not None and isinstance(status, int) and 200 <= status < 300 and status != 204:
            self._swap(poller.node, html, time.time())

    def _swap(self, node: Node, html: str, now: float) -> None:
        fragment = parse(html)
        for oob in [n for n in fragment.walk() if "hx-swap-oob" in n.attrs and not any("hx-swap-oob" in a.attrs for a in n.ancestors())]:
            how = oob.attrs.pop("hx-swap-oob").split(":")[0] or "true"
            assert oob.parent is not None
            oob.parent.children.remove(oob)
            oob.parent = None
            old = next((n for n in self.root.walk() if n.id and n.id == oob.id), None)
            if old is None:
                continue  # htmx drops an out-of-band element with no counterpart on the page
            if how == "innerHTML":
                old.set_children(oob.children)
            else:
                old.replace_with([oob])
        target = self._target(node)
        style = ((node.closest_attr("hx-swap") or "").split() or ["innerHTML"])[0]
        if target is not None and target.parent is not None and style != "none":
            content = fragment.children
            if style == "outerHTML":
                target.replace_with(content)
            elif style == "delete":
                target.replace_with([])
            elif style == "beforeend":
                target.set_children(target.children + content)
            elif style == "afterbegin":
                target.set_children(content + target.children)
            else:  # innerHTML, and what this model does not tell apart
                target.set_children(content)
        self._rescan(now)

    def run(self, stop: threading.Event) -> None:
        delay = self.start_at - time.time()
        if delay > 0 and stop.wait(delay):
            return
        try:
            self._load()
        except Exception as error:  # a screen that cannot load is counted, not fatal
            self.rec.errors[f"load {self.page}: {type(error).__name__}"] += 1
            return
        free_since = time.time()
        while not stop.is_set():
            if not self.pollers:
                stop.wait(1.0)
                continue
            poller = min(self.pollers.values(), key=lambda p: p.due)
            wait = poller.due - time.time()
            if wait > 0:
                stop.wait(min(wait, 1.0))
                continue
            now = time.time()
            late = max(0.0, now - max(poller.due, free_since)) * 1000  # the client's own delay, not the server's
            poller.due += poller.interval  # htmx re-arms the timer when it fires
            if poller.due < now:
                poller.due = now + poller.interval
            self._poll(poller, late)
            free_since = time.time()
        self.browser.conn.close()


def employee(port: int, token: str, rec: Recorder, stop: threading.Event, seed: int) -> None:
    """As bench.run's employee: me/next, handle 0.5–2 s, resolve; idle poll every second."""
    client = Client(port, token)
    rng = random.Random(seed)
    while not stop.is_set():
        try:
            status, body, elapsed = client.call("POST", NEXT)
            if rec.inside(time.time() - elapsed):
                with rec.lock:
                    rec.next_ms.append(elapsed * 1000)
                    rec.next_answers[status] += 1
            if status == 200:
                with rec.lock:
                    rec.claimed.append(body["id"])
                stop.wait(rng.uniform(0.5, 2.0))
                status, _, _ = client.call("POST", RESOLVE.format(id=body["id"]), {"outcome": "answered"})
                if status != 200:
                    rec.errors[f"resolve {status}"] += 1
                    continue
                if rec.inside(time.time()):
                    with rec.lock:
                        rec.resolved += 1
            elif status == 204:
                stop.wait(1.0)
            else:
                rec.errors[f"next {status}"] += 1
                stop.wait(0.5)
        except (OSError, http.client.HTTPException) as error:
            rec.errors[f"employee {type(error).__name__}"] += 1
            stop.wait(1.0)
    client.close()


@dataclass
class ScreenSpec:
    kind: str  # agent | lead | specialist | lobby
    username: str
    cookies: dict[str, str]
    start_at: float
    token: str | None = None  # the lobby's token; the working employee's API token
    works: bool = False  # a working employee: an API loop beside the screen


def client_process(port: int, specs: list[ScreenSpec], window: tuple[float, float], out) -> None:
    """One client process: its screens (one thread each) and the employees whose screens they are."""
    threading.stack_size(512 * 1024)
    rec = Recorder(window)
    stop = threading.Event()
    threads = []
    for index, spec in enumerate(specs):
        screen = Screen(port, spec.kind, PAGES.get(spec.kind, ""), spec.cookies, spec.start_at, rec, spec.token)
        threads.append(threading.Thread(target=screen.run, args=(stop,), daemon=True))
        if spec.works and spec.token:
            threads.append(threading.Thread(target=employee, args=(port, spec.token, rec, stop, index), daemon=True))
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window[1] - time.time()))
    stop.set()
    for thread in threads:
        thread.join(timeout=35)
    out.put({"samples": [(s.path, s.status, s.ms, s.late_ms) for s in rec.samples], "next_ms": rec.next_ms,
             "next_answers": dict(rec.next_answers), "claimed": rec.claimed, "resolved": rec.resolved,
             "errors": dict(rec.errors), "loads": dict(rec.loads)})


def producer(port: int, token: str, stop: threading.Event, window: tuple[float, float], rate: float, out: dict) -> None:
    """Contacts arriving at a steady rate whatever the server's latency (open loop: a pool of senders, each with its
    own kept-alive connection); a third of the callers give a phone number from the history's pool."""
    rng = random.Random(7)
    local = threading.local()
    lock = threading.Lock()

    def send(body: dict, fired: float) -> None:
        if not hasattr(local, "client"):
            local.client = Client(port, token)
        try:
            status, _, elapsed = local.client.call("POST", CONTACTS, body)
        except (OSError, http.client.HTTPException) as error:
            status, elapsed = type(error).__name__, time.time() - fired
        if window[0] <= fired < window[1]:
            with lock:
                out["intake_ms"].append(elapsed * 1000)
                out["intake_answers"][status] += 1

    with ThreadPoolExecutor(16) as senders:
        next_at = time.time()
        while not stop.is_set():
            next_at += 1 / rate
            if (delay := next_at - time.time()) > 0:
                stop.wait(delay)
            body: dict[str, Any] = {"channel": "phone", "question": rng.choice(QUESTIONS)}
            if rng.random() < 0.33:
                body["citizen"] = {"phone": f"+316{12345678 + int(TODAY_POOL * rng.random() ** 2)}"}
            senders.submit(send, body, time.time())


def run_screens(port: int, staffing: Staffing, mix: Mix, url: str, gunicorn: subprocess.Popen, worker: subprocess.Popen | None,
                server: PgServer, args) -> dict:
    """N screens and 50 working employees for a warm-up and a measured window; everything merged per path."""
    started = time.perf_counter()
    presence = ([(token, "available") for _, token in staffing.workers] +
                [(token, "paused") for _, token in staffing.paused])
    with ThreadPoolExecutor(8) as executor:
        list(executor.map(lambda item: Client(port, item[0]).call("PUT", PRESENCE, {"state": item[1]}), presence))
    people = ([("agent", name, token, True) for name, token in staffing.workers[:mix.working]] +
              [("agent", name, token, False) for name, token in staffing.paused] +
              [("lead", name, None, False) for name in staffing.leads[:mix.leads]] +
              [("specialist", name, None, False) for name in staffing.specialists] +
              [("wallboard", staffing.leads[i % len(staffing.leads)], None, False) for i in range(mix.wallboards)])
    cookies = login_all(port, sorted({name for _, name, _, _ in people}))
    logins = time.perf_counter() - started
    # the working employees without a screen of their own (fewer screens than employees) still work
    working_without_screen = staffing.workers[mix.working:]
    t0 = time.time() + 2.0
    # screens are opened at any moment of the day, so their polls are not in step: starts are spread evenly, in a
    # fixed shuffled order of kinds, over SPREAD_S (the longest interval a screen polls at, a paused workspace's)
    total = len(people) + mix.lobby
    slots = list(range(total))
    random.Random(11).shuffle(slots)
    specs = [ScreenSpec(kind, name, cookies[name], t0 + SPREAD_S * slots[i] / total, token, works)
             for i, (kind, name, token, works) in enumerate(people)]
    specs += [ScreenSpec("lobby", "host00", {}, t0 + SPREAD_S * slots[len(people) + i] / total, staffing.tokens["host"])
              for i in range(mix.lobby)]
    window = (t0 + args.warmup, t0 + args.warmup + args.seconds)
    procs = max(1, min(args.procs, len(specs)))
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    clients = [context.Process(target=client_process, args=(port, specs[i::procs], window, out), daemon=True) for i in range(procs)]
    for process in clients:
        process.start()
    # employees without a screen, and the arrivals, run here
    stop = threading.Event()
    rec_main = Recorder(window)
    intake: dict[str, Any] = {"intake_ms": [], "intake_answers": Counter()}
    threads = [threading.Thread(target=producer, args=(port, staffing.tokens["integration"], stop, window, args.rate, intake),
                                daemon=True)]
    threads += [threading.Thread(target=employee, args=(port, token, rec_main, stop, 1000 + i), daemon=True)
                for i, (_, token) in enumerate(working_without_screen)]
    time.sleep(max(0.0, t0 - time.time()))
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window[0] - time.time()))
    pg_root, gunicorn_root = postmaster_pid(server), gunicorn.pid
    client_pids = [os.getpid()] + [process.pid for process in clients if process.pid]
    worker_pids = [worker.pid] if worker is not None else []

    def ticks() -> tuple:
        return (tree_ticks([gunicorn_root]), tree_ticks([pg_root]), own_ticks(client_pids), own_ticks(worker_pids), time.time())

    before = ticks()
    time.sleep(max(0.0, window[1] - time.time()))
    after = ticks()
    stop.set()
    merged: dict[str, Any] = {"samples": [], "next_ms": list(rec_main.next_ms), "next_answers": Counter(rec_main.next_answers),
                              "claimed": list(rec_main.claimed), "resolved": rec_main.resolved, "errors": Counter(rec_main.errors),
                              "loads": Counter()}
    for _ in clients:
        part = out.get(timeout=120)
        merged["samples"] += part["samples"]
        merged["next_ms"] += part["next_ms"]
        merged["next_answers"].update(part["next_answers"])
        merged["claimed"] += part["claimed"]
        merged["resolved"] += part["resolved"]
        merged["errors"].update(part["errors"])
        merged["loads"].update(part["loads"])
    for process in clients:
        process.join(timeout=30)
    for thread in threads:
        thread.join(timeout=35)
    wall = after[4] - before[4]
    cores = os.cpu_count() or 1
    tick = os.sysconf("SC_CLK_TCK")
    merged["cpu"] = {name: (after[i] - before[i]) / tick / (wall * cores) for i, name in
                     enumerate(("gunicorn", "PostgreSQL", "bench clients", "kcc worker"))}
    merged.update(intake)
    merged["logins_s"] = logins
    merged["procs"] = procs
    merged["wall"] = wall
    run = Run()
    run.claimed = merged["claimed"]
    merged["double"] = double_assignments(run, url)
    return merged


def report_screens(size: int, mix: Mix, result: dict, args) -> dict[str, float | None]:
    """Print the screens phase of one size; returns p95 per line, for the summary."""
    by_path: dict[str, list[tuple[int | str, float, float]]] = defaultdict(list)
    for path, status, latency, late in result["samples"]:
        by_path[path].append((status, latency, late))
    seconds = args.seconds
    print(f"\n== screens at {size:,} contacts: {mix.total} screens "
          f"({mix.describe()}), {seconds:g} s measured after {args.warmup:g} s warm-up, arrivals {args.rate:g}/s, "
          f"{EMPLOYEES} employees, {result['procs']} client process(es); logins took {result['logins_s']:.1f} s (not counted)")
    p95s: dict[str, float | None] = {}
    for path in sorted(by_path):
        rows = by_path[path]
        latencies = [latency for _, latency, _ in rows]
        p95 = q(latencies, 95)
        p95s[f"poll {path}"] = p95
        print(f"  GET {path:<42} {len(rows):>6} calls ({len(rows) / seconds:5.1f}/s)  p50 {ms(q(latencies, 50)):>9}  "
              f"p95 {ms(p95):>9}  {mark(p95, CHECKS['poll_ms'])}  [{statuses(Counter(s for s, _, _ in rows))}]")
    next_p95 = q(result["next_ms"], 95)
    p95s[f"POST {API}{NEXT}"] = next_p95
    print(f"  POST {API}{NEXT:<34} {len(result['next_ms']):>6} calls ({len(result['next_ms']) / seconds:5.1f}/s)  "
          f"p50 {ms(q(result['next_ms'], 50)):>9}  p95 {ms(next_p95):>9}  {mark(next_p95, CHECKS['next_ms'])}  "
          f"[{statuses(result['next_answers'])}]")
    intake_p95 = q(result["intake_ms"], 95)
    p95s[f"POST {API}{CONTACTS}"] = intake_p95
    print(f"  POST {API}{CONTACTS:<34} {len(result['intake_ms']):>6} calls ({len(result['intake_ms']) / seconds:5.1f}/s)  "
          f"p50 {ms(q(result['intake_ms'], 50)):>9}  p95 {ms(intake_p95):>9}  [{statuses(result['intake_answers'])}]")
    lateness = [late for rows in by_path.values() for _, _, late in rows]
    print(f"  poll lateness (the client's own delay past the schedule, server time excluded): p50 {ms(q(lateness, 50))}, "
          f"p95 {ms(q(lateness, 95))}, max {ms(max(lateness) if lateness else None)}")
    cpu = result["cpu"]
    print(f"  CPU over the measured window ({os.cpu_count()} cores = 100%): " +
          ", ".join(f"{name} {share:.0%}" for name, share in cpu.items()) +
          f", everything else (other processes, idle) {max(0.0, 1 - sum(cpu.values())):.0%}")
    twice, in_db = result["double"]
    print(f"  contacts resolved in the window: {result['resolved']}; double assignments: {twice + in_db} "
          f"(handed out twice: {twice}; claimed twice in the database: {in_db})")
    if result["errors"]:
        print(f"  unexpected: {dict(result['errors'])}")
    if any(not key.endswith(" 200") for key in result["loads"]):
        print(f"  page loads: {dict(result['loads'])}")
    return p95s


# --- one size, and the whole run --------------------------------------------------------------------

def bench_size(size: int, args, mix: Mix) -> dict:
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found; install Debian's postgresql package")
    server = PgServer(bindir)
    server.start(durable=True)
    server.admin("CREATE DATABASE kcc_bench")
    url = server.url("kcc_bench")
    args.url = url
    dsn = f"host=127.0.0.1 port={server.port} user=kcc dbname=kcc_bench"
    outcome: dict[str, Any] = {"size": size}
    gunicorn: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    outbox = Path(tempfile.mkdtemp(prefix="kcc-bench-outbox-"))
    try:
        started = time.perf_counter()
        migrate.upgrade(url)
        staffing = create_staff(url, mix)
        setup = time.perf_counter() - started
        started = time.perf_counter()
        written, timings, days = fill(dsn, staffing, size)
        took = time.perf_counter() - started
        with psycopg.connect(dsn) as conn:
            hot = conn.execute("SELECT count(*) FROM citizens WHERE phone = %s", (HOT_PHONE,)).fetchone()[0]
            db_size = conn.execute("SELECT pg_size_pretty(pg_database_size('kcc_bench'))").fetchone()[0]
        print(f"\n== {size:,} contacts of history: {days[-1][0]} … {days[0][0]} ({len(days)} days, {WEEKDAY_RATE}/weekday, "
              f"{WEEKEND_RATE}/weekend day) + {TODAY_CONTACTS} today ({TODAY_WAITING} waiting)")
        print(f"  filled in {took:.0f} s (" + ", ".join(f"{name} {s:.1f}" for name, s in timings) + f"); setup {setup:.0f} s; "
              f"database {db_size}")
        print("  rows: " + ", ".join(f"{table} {n:,}" for table, n in written.items()) +
              f"; {HOT_PHONE} occurs {hot} times")
        outcome["fill_s"] = took
        if args.worker:
            print(f"  worker: {settle_like_the_worker(url, len(days) + 1, outbox)}; `kcc worker` runs beside gunicorn")
            worker = start_worker(url, outbox)
        clients = mix.total + EMPLOYEES + 10
        port_box = [free_port()]
        gunicorn = start_gunicorn(url, port_box[0], args.workers, args.threads, clients)

        def restart() -> None:
            nonlocal gunicorn
            assert gunicorn is not None
            stop_gunicorn(gunicorn)
            port_box[0] = free_port()
            gunicorn = start_gunicorn(url, port_box[0], args.workers, args.threads, clients)
            for _ in range(3 * args.workers * args.threads):  # new connections land on every worker: warm them all
                Client(port_box[0], staffing.tokens["integration"]).call("POST", "/route", {"question": QUESTIONS[0]})

        if "history" in args.phases:
            print(f"\n== calls at {size:,} contacts: each up to {args.calls}× in a row (at most {args.budget:g} s per call, "
                  f"timeout {args.timeout:g} s), gunicorn {args.workers} workers × {args.threads} threads")
            outcome["calls"], outcome["double"] = run_history(port_box, restart, staffing, dsn, args)
        if args.explain:
            explain(url, dsn, staffing, size, args.explain_budget, find_position_path(port_box[0]))
        if "screens" in args.phases:
            result = run_screens(port_box[0], staffing, mix, url, gunicorn, worker, server, args)
            outcome["screens"] = report_screens(size, mix, result, args)
            outcome["double"] = outcome.get("double", 0) + sum(result["double"])
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        shutil.rmtree(outbox, ignore_errors=True)
        if args.keep:
            print(f"\n  --keep: the database of {size:,} contacts is still running: {url}  (psql \"{dsn}\"; "
                  f"stop it with: {server.bindir}/pg_ctl -D {server.data} stop)")
        else:
            server.stop()
    return outcome


def summary(outcomes: list[dict]) -> None:
    small, large = outcomes[0], outcomes[-1]
    if len(outcomes) < 2:
        return
    label = f"{large['size']:,} ÷ {small['size']:,}"
    if "calls" in small and "calls" in large:
        print(f"\n== p95 ratios, {label} (ok when ≤ {CHECKS['ratio']:g})")
        for before, after in zip(small["calls"], large["calls"], strict=True):
            a, b = before.p95, after.p95
            if a is None or b is None:
                verdict, ratio = "no samples", "—"
            elif a == float("inf"):
                verdict, ratio = "timed out at both sizes" if b == float("inf") else "ok (timed out at the smaller size)", "—"
            elif b == float("inf"):
                verdict, ratio = "NO (timed out)", "∞"
            else:
                value = b / a if a else float("inf")
                verdict, ratio = ("ok" if value <= CHECKS["ratio"] else "NO"), f"{value:.2f}"
            extra = ""
            if before.name == "indicators 365 days":
                verdict_year = f"NO, timed out (< {CHECKS['year_s']:g} s)" if b == float("inf") else mark(
                    None if b is None else b / 1000, CHECKS["year_s"], "s")
                extra = f"; 365 days at {large['size']:,}: {verdict_year}"
            print(f"  {before.name:<24} {ms(a):>10} → {ms(b):>10}  ×{ratio:<6} {verdict}{extra}")
    if "screens" in small and "screens" in large:
        print(f"\n== screens, p95 at {small['size']:,} → {large['size']:,}")
        for key in sorted(set(small["screens"]) | set(large["screens"])):
            a, b = small["screens"].get(key), large["screens"].get(key)
            ratio = f"×{b / a:.2f}" if a and b else ""
            print(f"  {key:<50} {ms(a):>10} → {ms(b):>10}  {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000", help="history sizes (contacts), comma-separated")
    parser.add_argument("--phases", default="history,screens", help="history, screens or both (comma-separated)")
    parser.add_argument("--screens", type=int, default=300, help="browser screens in the screens phase")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds of the screens phase")
    parser.add_argument("--warmup", type=float, default=20.0,
                        help="warm-up seconds of the screens phase (at least the 15 s over which the screens open)")
    parser.add_argument("--calls", type=int, default=200, help="calls per call in the history phase")
    parser.add_argument("--budget", type=float, default=60.0, help="at most this many seconds per call in the history phase")
    parser.add_argument("--timeout", type=float, default=180.0, help="a call slower than this is a timeout (gunicorn restarted)")
    parser.add_argument("--rate", type=float, default=2.0, help="contacts arriving per second in the screens phase")
    parser.add_argument("--procs", type=int, default=2, help="client processes for the screens (merged)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) every SELECT of each call")
    parser.add_argument("--explain-budget", type=float, default=15.0, help="seconds of statements collected per call")
    # hundreds of screens: single-threaded workers, so a floor being drawn never holds the GIL over a poll
    parser.add_argument("--workers", type=int, default=6, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--keep", action="store_true", help="leave each database running and print its URL")
    parser.add_argument("--no-worker", dest="worker", action="store_false",
                        help="without `kcc worker` (no indicators kept ahead of the readers, no offers expired in the background)")
    args = parser.parse_args()
    args.phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    if not args.phases <= {"history", "screens"}:
        parser.error("--phases takes history, screens or both")
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    mix = Mix.of(args.screens)
    print(f"kcc scale benchmark on {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}, {datetime.now(AMSTERDAM):%Y-%m-%d %H:%M %Z}")
    print(f"sizes {', '.join(f'{s:,}' for s in sizes)}; phases {', '.join(sorted(args.phases))}; gunicorn {args.workers} workers × "
          f"{args.threads} threads (gthread); PostgreSQL durable (fsync on, synchronous_commit off)")
    outcomes = [bench_size(size, args, mix) for size in sizes]
    summary(outcomes)
    failed = any(o.get("double") for o in outcomes)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
