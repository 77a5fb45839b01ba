"""Real processes for the tests that kill them: a migrated SQLite database in a temporary
VINCULO_HOME, the job queue of the run (SqliteHuey there, or RedisHuey when REDIS_URL is
set, as in the Redis step of scripts/test-all), and helpers to start, kill and watch
`vinculo` processes. A test module wraps `vinculo_home` in a fixture of its own."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
# A claimed event whose dispatcher was killed waits this long (300 s in production).
CLAIM_SECONDS = "2"


def redis_db(url: str) -> int:
    """The database number of a redis:// URL (0 when none is given)."""
    path = urlsplit(url).path.strip("/")
    return int(path) if path else 0


def flush_redis() -> None:
    """Empty the Redis database of REDIS_URL, which must be a dedicated one (not 0)."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HUEY_IMMEDIATE")}
    env.update(
        VINCULO_HOME=str(home),
        DJANGO_SETTINGS_MODULE="vinculo.settings",
        PYTHONPATH=str(REPO),
        OUTBOX_CLAIM_SECONDS=CLAIM_SECONDS,
        PYTHONUNBUFFERED="1",
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Home:
    """One VINCULO_HOME with its database, and the processes started on it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = base_env(path)
        self.processes: list[subprocess.Popen[bytes]] = []

    # --- processes ---
    def run(self, *args: str, timeout: float = 120) -> str:
        """`python -m tests.core.harness ARGS` to completion; its standard output."""
        return self._run([sys.executable, "-m", "tests.core.harness", *args], timeout)

    def vinculo(self, *args: str, timeout: float = 120) -> str:
        return self._run([sys.executable, "-m", "vinculo.cli", *args], timeout)

    def _run(self, argv: list[str], timeout: float) -> str:
        done = subprocess.run(
            argv, env=self.env, cwd=REPO, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise AssertionError(f"{argv[2:]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self, argv: list[str], name: str) -> subprocess.Popen[bytes]:
        """Start a process in its own process group, logging to VINCULO_HOME/<name>.log."""
        log = open(self.path / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            argv, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, process_group=0
        )
        log.close()
        self.processes.append(process)
        return process

    def start_worker(self, delay: float = 0.0) -> subprocess.Popen[bytes]:
        return self.start(
            [sys.executable, "-m", "tests.core.harness", "worker", str(delay)], "worker"
        )

    def kill(self, process: subprocess.Popen[bytes], signum: int = signal.SIGKILL) -> int:
        """Signal the process's whole group (SIGKILL: no cleanup runs) and reap it."""
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass
        return process.wait(timeout=60)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process)

    def log(self, name: str) -> str:
        path = self.path / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    # --- what happened ---
    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(self.path / "vinculo.sqlite3", timeout=30)) as db:
            rows = db.execute(query, params).fetchall()
            db.commit()
            return rows

    def count(self, query: str, *params: Any) -> int:
        return int(self.sql(query, *params)[0][0])

    def pending_events(self) -> int:
        return self.count("SELECT count(*) FROM core_outboxevent WHERE processed_at IS NULL")

    def delivered(self) -> list[int]:
        """Event ids the harness consumer saw, in order (repeats included)."""
        path = self.path / "delivered.log"
        return [int(x) for x in path.read_text().split()] if path.exists() else []

    def queue(self) -> Any:
        """The job queue the processes use: Redis when REDIS_URL is set, else SQLite."""
        from huey import RedisHuey, SqliteHuey

        if REDIS_URL:
            return RedisHuey("vinculo", url=REDIS_URL)
        return SqliteHuey("vinculo", filename=str(self.path / "jobs.sqlite3"))

    def wait_for(
        self, check: Callable[[], bool], *, timeout: float = 60, what: str = "", log: str = ""
    ) -> float:
        """Poll until `check()` holds; the seconds it took."""
        began = time.monotonic()
        while not check():
            if time.monotonic() - began > timeout:
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {what}\n{self.log(log)}"
                )
            time.sleep(0.1)
        return time.monotonic() - began


@functools.cache
def migrated_template() -> Path:
    """One migrated SQLite database per test run, copied for every test (migrating takes
    seconds); removed when the run ends."""
    path = Path(tempfile.mkdtemp(prefix="vinculo-template-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    Home(path).vinculo("migrate", "--no-input", "-v", "0", timeout=300)
    return path


@contextmanager
def vinculo_home(tmp_path: Path) -> Iterator[Home]:
    """A fresh home in `tmp_path`; every process started on it is killed at the end. With
    REDIS_URL, its (dedicated) Redis database is emptied before and after."""
    if REDIS_URL and redis_db(REDIS_URL) == 0:
        pytest.skip("REDIS_URL must name a dedicated database (not 0): the test empties it")
    template = migrated_template()
    for name in ("vinculo.sqlite3", "secret_key"):
        shutil.copy(template / name, tmp_path / name)
    if REDIS_URL:
        flush_redis()
    home = Home(tmp_path)
    try:
        yield home
    finally:
        home.stop_all()
        if REDIS_URL:
            flush_redis()
