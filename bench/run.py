"""kcc benchmark: intake + claim + resolve through the real API under gunicorn, against a raw SQL floor.

Run with `make bench` (or `.venv/bin/python -m bench.run --help`). Not part of `make test`.

What it does, per database (PostgreSQL from the local Debian binaries, durable settings; SQLite in WAL
mode for comparison):
1. migrates a fresh database, loads domains/, creates 50 agents and an integration user with tokens;
2. starts `gunicorn wsgi:app` (gthread workers, keep-alive) on a free port;
3. saturation: producers post contacts as fast as they can while 50 simulated employees loop
   me/next → resolve; contacts per second fully through intake + claim + resolve;
4. realistic load: contacts arrive at a steady rate (20/s) while 50 employees poll me/next once a
   second when idle and take 0.5–2 s to handle a contact; p50/p95/p99 latency of intake and me/next;
5. the API floor: POST /route (token check and routing, nothing written) in a closed loop; a contact
   takes three calls, so a third of this rate bounds any intake + claim + resolve on this machine;
6. PostgreSQL only: a raw SQL loop on the same server in the same run doing the same claim
   (one transaction: SELECT … FOR UPDATE SKIP LOCKED + UPDATE) and the resolving UPDATE — the floor
   the database sets on this machine — and the ratio app ÷ raw;
7. double assignments: every contact id handed out by me/next, counted; must be 0 in every run.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from kcc.content.domains import load_dir, sync  # noqa: E402
from kcc.core import migrate  # noqa: E402
from kcc.core.actor import Actor  # noqa: E402
from kcc.core.db import make_engine, make_sessionmaker  # noqa: E402
from kcc.staff import accounts  # noqa: E402
from tests.pgserver import PgServer, find_bindir  # noqa: E402

QUESTIONS = ["ik wil mijn paspoort verlengen", "mijn container is niet geleegd", "ik heb hulp nodig in huis",
             "mag ik een dakkapel bouwen", "mijn rijbewijs is verlopen", "grofvuil laten ophalen",
             "ik heb schulden", "evenementenvergunning aanvragen", "verhuizing doorgeven", "lantaarnpaal kapot"]
DOMAINS = ["burgerzaken", "vergunningen", "sociaal", "algemeen"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(url: str, employees: int) -> tuple[str, list[str]]:
    """A migrated database with domains/, 50 agents (skills spread over the domains) and their tokens."""
    migrate.upgrade(url)
    engine = make_engine(url)
    session = make_sessionmaker(engine)()
    specs, problems = load_dir(ROOT / "domains")
    assert not problems, problems
    sync(session, specs)
    integration = accounts.create_staff(session, accounts.StaffInput(
        username="telefonie", name="Telefonie", roles=["integration"], skills=[], languages=["nl"], teams=[]),
        secrets.token_urlsafe(16), actor=Actor.system("test"))
    _, producer_token = accounts.create_token(session, integration, actor=Actor.system("test"))
    tokens = []
    for i in range(employees):
        primary, secondary = DOMAINS[i % 4], DOMAINS[(i + 1) % 4]
        agent = accounts.create_staff(session, accounts.StaffInput(
            username=f"agent{i:02d}", name=f"Agent {i:02d}", roles=["agent"],
            skills=[(primary, "primary"), (secondary, "secondary")], languages=["nl"], teams=[]),
            secrets.token_urlsafe(16), actor=Actor.system("test"))
        tokens.append(accounts.create_token(session, agent, actor=Actor.system("test"))[1])
    session.commit()
    session.close()
    engine.dispose()
    return producer_token, tokens


class Client:
    """An HTTP client with a bearer token on one kept-alive connection; records latency per call."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None, float]:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        for attempt in range(3):
            started = time.perf_counter()
            try:
                self.conn.request(method, f"/api/v1{path}", body=payload, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                elapsed = time.perf_counter() - started
                return response.status, (json.loads(raw) if raw else None), elapsed
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")

    def close(self) -> None:
        self.conn.close()


def start_gunicorn(url: str, port: int, workers: int, threads: int, clients: int) -> subprocess.Popen:
    """gunicorn with keep-alive; each worker accepts only its share of the clients' connections, so they
    spread over the workers instead of one worker taking them all."""
    env = {**os.environ, "KCC_DATABASE_URL": url, "KCC_ENV": "production", "KCC_SECRET_KEY": secrets.token_hex(32),
           "KCC_PRESENCE_FRESH_S": "30"}
    share = max(-(-clients // workers) + 2, threads + 1)  # keep-alive needs more connections than threads
    process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "wsgi:app", "-b", f"127.0.0.1:{port}",
                                "-w", str(workers), "-k", "gthread", "--threads", str(threads), "--log-level",
                                "warning", "--keep-alive", "30", "--worker-connections", str(share)],
                               cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            answer = conn.getresponse()
            conn.close()
            if answer.status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


class Run:
    """Shared state of one load phase: stop flag, the ids handed out, latencies."""

    def __init__(self):
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.claimed: list[int] = []
        self.resolved = 0
        self.intake_ms: list[float] = []
        self.next_ms: list[float] = []
        self.errors: Counter = Counter()
        self.answers: Counter = Counter()  # (call, status) during measurement
        self.measuring = threading.Event()


def employee(port: int, token: str, run: Run, handling: tuple[float, float], idle_poll: float) -> None:
    client = Client(port, token)
    client.call("PUT", "/me/presence", {"state": "available"})
    rng = random.Random(token)
    while not run.stop.is_set():
        status, body, elapsed = client.call("POST", "/me/next")
        if run.measuring.is_set():
            with run.lock:
                run.next_ms.append(elapsed * 1000)
                run.answers["next", status] += 1
        if status == 200:
            with run.lock:
                run.claimed.append(body["id"])
            if handling[1]:
                time.sleep(rng.uniform(*handling))
            status, _, _ = client.call("POST", f"/contacts/{body['id']}/resolve", {"outcome": "answered"})
            if status == 200 and run.measuring.is_set():
                with run.lock:
                    run.resolved += 1
            elif status != 200:
                run.errors[f"resolve {status}"] += 1
        elif status == 204:
            time.sleep(idle_poll)
        else:
            run.errors[f"next {status}"] += 1
            time.sleep(0.05)
    client.close()


def producer(port: int, token: str, run: Run, rate: float | None, seed: int) -> None:
    client = Client(port, token)
    rng = random.Random(seed)
    next_at = time.perf_counter()
    while not run.stop.is_set():
        if rate:
            next_at += 1 / rate
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        status, _, elapsed = client.call("POST", "/contacts", {"channel": "phone", "question": rng.choice(QUESTIONS)})
        if status != 201:
            run.errors[f"intake {status}"] += 1
        elif run.measuring.is_set():
            with run.lock:
                run.intake_ms.append(elapsed * 1000)
                run.answers["intake", status] += 1
    client.close()


def phase(port: int, producer_token: str, tokens: list[str], *, seconds: float, warmup: float, rate: float | None,
          producers: int, handling: tuple[float, float], idle_poll: float) -> tuple[Run, float]:
    run = Run()
    threads = [threading.Thread(target=employee, args=(port, t, run, handling, idle_poll), daemon=True) for t in tokens]
    threads += [threading.Thread(target=producer, args=(port, producer_token, run, rate and rate / producers, i),
                                 daemon=True) for i in range(producers)]
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    run.measuring.set()
    started = time.perf_counter()
    time.sleep(seconds)
    run.measuring.clear()
    elapsed = time.perf_counter() - started
    run.stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return run, elapsed


def api_floor(port: int, token: str, seconds: float, clients: int) -> float:
    """Requests per second of the cheapest authenticated call that does real work: POST /route (the token
    checked, the question routed, nothing written), from the same Python clients. A contact takes three
    calls, so a third of this bounds what any intake + claim + resolve could reach on this machine."""
    stop = threading.Event()
    done = Counter()

    def loop(index: int) -> None:
        client = Client(port, token)
        while not stop.is_set():
            status, _, _ = client.call("POST", "/route", {"question": QUESTIONS[index % len(QUESTIONS)]})
            done[index] += status == 200
        client.close()

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    before, started = sum(done.values()), time.perf_counter()
    time.sleep(seconds)
    rate = (sum(done.values()) - before) / (time.perf_counter() - started)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return rate


def percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    q = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {q[49]:.1f} ms · p95 {q[94]:.1f} ms · p99 {q[98]:.1f} ms ({len(values)} calls)"


def double_assignments(run: Run, url: str) -> tuple[int, int]:
    """Ids handed out twice by me/next, and contacts with more than one claim on their timeline."""
    by_client = sum(count - 1 for count in Counter(run.claimed).values() if count > 1)
    engine = make_engine(url)
    with engine.connect() as conn:
        in_db = conn.execute(text("SELECT count(*) FROM (SELECT contact_id FROM contact_events WHERE type = 'claimed' "
                                  "GROUP BY contact_id HAVING count(*) > 1) AS twice")).scalar()
    engine.dispose()
    return by_client, in_db


def raw_loop(dsn: str, seconds: float, connections: int, rows: int) -> float:
    """The same claim and resolve in plain SQL: the floor the database sets."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        owner = conn.execute("SELECT min(id) FROM staff WHERE username LIKE 'agent%%'").fetchone()[0]
        domain = conn.execute("SELECT id FROM domains WHERE slug = 'burgerzaken'").fetchone()[0]
        conn.execute("""INSERT INTO contacts (channel, question, domain_id, language, status, triage, created_at,
                        queued_at, rank_at, updated_at)
                        SELECT 'phone', 'raw', %s, 'nl', 'waiting', false, now(), now(), now() + g * interval '1 ms', now()
                        FROM generate_series(1, %s) AS g""", (domain, rows))
    done = Counter()
    stop = threading.Event()

    def worker(index: int) -> None:
        with psycopg.connect(dsn) as conn:
            while not stop.is_set():
                with conn.transaction():
                    row = conn.execute("SELECT id FROM contacts WHERE status = 'waiting' AND domain_id = %s "
                                       "ORDER BY rank_at, id LIMIT 1 FOR UPDATE SKIP LOCKED", (domain,)).fetchone()
                    if row is None:
                        return
                    conn.execute("UPDATE contacts SET status = 'in_progress', owner_id = %s, answered_at = now() "
                                 "WHERE id = %s", (owner, row[0]))
                with conn.transaction():
                    conn.execute("UPDATE contacts SET status = 'resolved', closed_at = now(), outcome = 'answered' "
                                 "WHERE id = %s", (row[0],))
                done[index] += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(done.values()) / (time.perf_counter() - started)


def bench_database(kind: str, args) -> dict:
    server = None
    tmp = Path(tempfile.mkdtemp(prefix="kcc-bench-"))
    if kind == "postgresql":
        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("PostgreSQL binaries not found; install Debian's postgresql package")
        server = PgServer(bindir)
        server.start(durable=True)
        server.admin("CREATE DATABASE kcc_bench")
        url = server.url("kcc_bench")
    else:
        url = f"sqlite:///{tmp / 'kcc.sqlite3'}"
    result = {"database": kind}
    try:
        producer_token, tokens = prepare(url, args.employees)
        port = free_port()
        gunicorn = start_gunicorn(url, port, args.workers, args.threads, args.employees + args.producers + 2)
        try:
            sat, elapsed = phase(port, producer_token, tokens, seconds=args.seconds, warmup=5, rate=None,
                                 producers=args.producers, handling=(0, 0), idle_poll=0.5)
            result["saturation_per_s"] = sat.resolved / elapsed
            result["saturation_errors"] = dict(sat.errors)
            result["saturation_double"] = double_assignments(sat, url)
            result["saturation_answers"] = {f"{call} {status}": n for (call, status), n in sorted(sat.answers.items())}
            result["floor_per_s"] = api_floor(port, producer_token, min(args.seconds, 10), clients=16)
            real, _ = phase(port, producer_token, tokens, seconds=args.seconds, warmup=3, rate=args.rate,
                            producers=2, handling=(0.5, 2.0), idle_poll=1.0)
            result["intake"] = percentiles(real.intake_ms)
            result["next"] = percentiles(real.next_ms)
            result["intake_p95"] = statistics.quantiles(real.intake_ms, n=100)[94] if len(real.intake_ms) > 1 else None
            result["next_p95"] = statistics.quantiles(real.next_ms, n=100)[94] if len(real.next_ms) > 1 else None
            result["realistic_errors"] = dict(real.errors)
            result["realistic_double"] = double_assignments(real, url)
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        if server is not None:
            dsn = f"host=127.0.0.1 port={server.port} user=kcc dbname=kcc_bench"
            result["raw_per_s"] = raw_loop(dsn, args.seconds, args.raw_connections, rows=200_000)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--employees", type=int, default=50)
    parser.add_argument("--producers", type=int, default=12, help="closed-loop producers in the saturation phase")
    parser.add_argument("--rate", type=float, default=20.0, help="contacts per second in the realistic phase")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per phase")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--raw-connections", type=int, default=8, help="connections of the raw SQL loop")
    args = parser.parse_args()
    print(f"kcc benchmark on {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    print(f"gunicorn {args.workers} workers × {args.threads} threads (gthread), {args.employees} employees, "
          f"{args.producers} closed-loop producers, realistic arrival {args.rate:g}/s, {args.seconds:g} s per phase")
    kinds = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    failed = False
    for kind in kinds:
        r = bench_database(kind, args)
        print(f"\n== {kind}")
        line = f"saturation: {r['saturation_per_s']:.0f} contacts/s through intake + claim + resolve"
        if "raw_per_s" in r:
            ratio = r["saturation_per_s"] / r["raw_per_s"]
            line += (f"; raw SQL claim + resolve ({args.raw_connections} connections): {r['raw_per_s']:.0f}/s; "
                     f"app ÷ raw = {ratio:.2f} (goal ≥ 0.30)")
        print(line)
        floor = r["floor_per_s"]
        bound = f", app ÷ raw ≤ {floor / 3 / r['raw_per_s']:.2f}" if "raw_per_s" in r else ""
        print(f"  API floor: POST /route (token check + routing, nothing written) {floor:.0f} requests/s, "
              f"so at most {floor / 3:.0f} contacts/s of three calls{bound}")
        print(f"  answers during saturation: {r['saturation_answers']}")
        print(f"realistic load ({args.rate:g}/s, {args.employees} employees): intake {r['intake']}")
        print(f"{'':>43}me/next {r['next']}")
        doubles = r["saturation_double"][0] + r["saturation_double"][1] + r["realistic_double"][0] + \
            r["realistic_double"][1]
        print(f"double assignments: {doubles} (handed out twice: {r['saturation_double'][0]} + "
              f"{r['realistic_double'][0]}; claimed twice in the database: {r['saturation_double'][1]} + "
              f"{r['realistic_double'][1]})")
        errors = {**r["saturation_errors"], **r["realistic_errors"]}
        if errors:
            print(f"unexpected answers: {errors}")
        failed |= doubles > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
