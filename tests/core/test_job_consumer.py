"""The job consumer as it runs in production: real `vinculo worker` / `vinculo serve`
processes on the configured queue (SqliteHuey, or RedisHuey in the Redis step of
scripts/test-all), fed through the queue, killed with SIGKILL and restarted."""

from __future__ import annotations

import json
import signal
import sys
import urllib.request

import pytest

from tests.core.processes import REDIS_URL, Home, free_port, vinculo_home

pytestmark = pytest.mark.jobs


@pytest.fixture
def home(tmp_path):
    with vinculo_home(tmp_path) as h:
        yield h


def test_the_configured_queue_is_used(home: Home):
    info = json.loads(home.run("info"))
    assert info == {"huey": "RedisHuey" if REDIS_URL else "SqliteHuey", "immediate": False}


def test_every_vinculo_command_starts(home: Home):
    """With REDIS_URL set, every command once stopped at start-up (the redis module was
    missing): each one must load and parse its options, and `check` must run through."""
    names = set(json.loads(home.run("commands")))
    assert {"serve", "worker", "outbox", "createadmin", "demo", "migrate"} <= names
    assert "no issues" in home.vinculo("check")


def test_an_enqueued_job_goes_through_the_queue_to_a_real_consumer(home: Home):
    home.run("seed", "5")
    home.run("enqueue")
    queue = home.queue()
    assert queue.pending_count() == 1  # waiting in Redis (or the SQLite queue), not run inline

    home.start_worker()
    home.wait_for(lambda: home.pending_events() == 0, what="delivery", log="worker")
    # Emptied (a periodic job the consumer enqueues at a minute's turn is taken at once).
    home.wait_for(lambda: queue.pending_count() == 0, timeout=10, what="an empty queue")
    assert sorted(home.delivered()) == [
        r[0] for r in home.sql("SELECT id FROM core_outboxevent ORDER BY id")
    ]


def test_a_consumer_killed_mid_dispatch_restarts_and_delivers_every_event(home: Home):
    """kill -9 during dispatch once left the dispatcher's lock behind for good (20,599
    events stuck). After a restart every pending event must be delivered."""
    total = 300
    home.run("seed", str(total))
    worker = home.start_worker(delay=0.02)
    home.run("enqueue")
    home.wait_for(lambda: len(home.delivered()) >= 30, what="dispatch to start", log="worker")
    home.kill(worker)  # SIGKILL mid-dispatch

    stuck = home.pending_events()
    locks = home.count("SELECT count(*) FROM core_joblock")
    assert 0 < stuck < total and locks == 1  # the killed consumer's lock is left behind

    home.start_worker()
    home.run("enqueue")
    took = home.wait_for(
        lambda: home.pending_events() == 0,
        timeout=90,
        what="the pending events after the restart",
        log="worker",
    )
    done = home.count(
        "SELECT count(DISTINCT event_id) FROM core_outboxdelivery WHERE status = 'done'"
    )
    assert done == total
    assert set(home.delivered()) == set(range(1, total + 1))
    repeats = len(home.delivered()) - total  # at most the event being handled
    assert repeats <= 1
    print(  # noqa: T201 - the measured figures, shown with pytest -s
        f"\nkill -9 mid-dispatch: {stuck} of {total} events pending, {locks} lock left; "
        f"after the restart 0 pending in {took:.1f} s, {repeats} delivered twice"
    )


def test_serve_runs_the_web_server_and_the_consumer(home: Home):
    home.run("seed", "3")
    home.run("enqueue")
    port = free_port()
    serve = home.start(
        [
            sys.executable,
            "-m",
            "vinculo.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
            "--threads",
            "2",
        ],
        "serve",
    )

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json") as r:
                return r.status == 200
        except OSError:
            return False

    home.wait_for(answers, timeout=90, what="the web server", log="serve")
    home.wait_for(lambda: home.pending_events() == 0, what="the consumer", log="serve")
    assert home.kill(serve, signal.SIGTERM) == 0
