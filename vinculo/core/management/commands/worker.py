"""`vinculo worker`: the Huey consumer (periodic jobs, outbox dispatch) with sensible defaults.

It wraps huey.contrib.djhuey's `run_huey`, which imports every app's `tasks` module;
vinculo/core/tasks.py in turn imports every app's `jobs` module, so all tasks register.
settings.HUEY picks SqliteHuey (file in VINCULO_HOME) or RedisHuey (REDIS_URL).

At start it drops the locks a killed consumer may have left: Huey's own (flush_locks) and
Vínculo's expiring job locks (core.jobs.job_lock), so `kill -9` followed by a restart
never leaves a periodic job (the outbox dispatcher) doing nothing. Those locks only spare
wasted work; a second consumer running the same job meanwhile does no harm.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

DEFAULT_WORKERS = 2


class Command(BaseCommand):
    help = "Run the background job consumer (Huey): periodic jobs and event delivery."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers", type=int, default=DEFAULT_WORKERS, help="worker threads (default 2)"
        )
        parser.add_argument(
            "--worker-type",
            choices=["thread", "process", "greenlet"],
            default="thread",
            help="default: thread",
        )
        parser.add_argument(
            "--no-periodic",
            action="store_false",
            dest="periodic",
            help="do not run periodic jobs (when another consumer runs them)",
        )
        parser.add_argument("--logfile", default=None, help="also log to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            self.stderr.write("--workers must be at least 1")
            raise SystemExit(2)
        from vinculo.core.jobs import flush_job_locks

        flushed = flush_job_locks()
        if flushed:
            logging.getLogger(__name__).info("Flushed %d job lock(s) left behind.", flushed)
        huey_options: dict[str, Any] = {
            "workers": options["workers"],
            "worker_type": options["worker_type"],
            "periodic": options["periodic"],
            "flush_locks": True,
        }
        if options["logfile"]:
            huey_options["logfile"] = options["logfile"]
        else:
            # Django's LOGGING already prints to the console through the root logger; a
            # handler here stops run_huey from adding its own, which would print twice.
            logging.getLogger("huey").addHandler(logging.NullHandler())
        call_command("run_huey", **huey_options)
