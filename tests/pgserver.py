"""A throwaway PostgreSQL server for the tests, started from the local binaries (Debian's postgresql package).

PostgreSQL refuses to run as root, so under root (CI) the server runs as the `postgres` system user.
Each test gets its own database, copied from a migrated template, and the server is gone after the run.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg


def find_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name),
                        reverse=True)
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgServer:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="kcc-pg-"))
        self.data = self.root / "data"
        self.run_as = None
        if os.geteuid() == 0:
            self.run_as = "postgres" if _user_exists("postgres") else "nobody"
            user = pwd.getpwnam(self.run_as)
            os.chown(self.root, user.pw_uid, user.pw_gid)

    def _cmd(self, *args: str) -> list[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        return ["runuser", "-u", self.run_as, "--", *command] if self.run_as else command

    def start(self, durable: bool = False) -> None:
        """Tests run without fsync (a throwaway server). durable keeps fsync and full-page writes on, as
        production would; commits are still acknowledged before their WAL is flushed (synchronous_commit
        off), since this machine's disk flushes only a few dozen times a second."""
        subprocess.run(self._cmd("initdb", "-D", str(self.data), "-U", "kcc", "-A", "trust", "-E", "UTF8",
                                 "--no-locale"), check=True, capture_output=True)
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300"
        options += " -c synchronous_commit=off"
        if not durable:
            options += " -c fsync=off -c full_page_writes=off"
        else:
            # as a production server is set up: a quarter of this 24 GiB machine would be 6 GB; 2 GB holds the
            # benchmark's year of history, where the default 128 MB makes every index insert a disk read
            options += " -c shared_buffers=2GB"
        subprocess.run(self._cmd("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                                 "-w", "start"), check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"), capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://kcc@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=kcc dbname=postgres", autocommit=True) as conn:
            conn.execute(sql)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
