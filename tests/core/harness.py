"""Run Vínculo pieces in real processes for the tests that kill them (see processes.py).

    python -m tests.core.harness seed N          N pending events named "harness.ping"
    python -m tests.core.harness enqueue         enqueue dispatch_outbox in the job queue
    python -m tests.core.harness worker DELAY    `vinculo worker` with a consumer of
                                                 "harness." events taking DELAY seconds
    python -m tests.core.harness token           create a user, print an API token
    python -m tests.core.harness info            the Huey class in use, as JSON
    python -m tests.core.harness commands        load and parse every `vinculo` command

`crashing_application` is a WSGI app for gunicorn that kills its own worker process
(SIGKILL, as the OOM killer or `kill -9` would) at the moment an idempotent request stores
its answer, once, when the file `$VINCULO_HOME/crash-armed` exists.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")


def _setup() -> None:
    import django

    django.setup()


def seed(count: int) -> None:
    from vinculo.core.models import OutboxEvent

    OutboxEvent.objects.bulk_create(
        OutboxEvent(name="harness.ping", aggregate="harness.ping", aggregate_id=str(i))
        for i in range(count)
    )


def enqueue() -> None:
    from vinculo.core.jobs import dispatch_outbox

    dispatch_outbox()  # not immediate: the call puts the task in the queue


def worker(delay: float) -> None:
    from django.conf import settings
    from django.core.management import call_command

    from vinculo.core import events

    log = os.path.join(settings.VINCULO_HOME, "delivered.log")

    def slow_consumer(event: Any) -> None:
        time.sleep(delay)
        with open(log, "a") as out:
            out.write(f"{event.pk}\n")

    events.register_consumer("harness.", slow_consumer, key="harness-slow")
    call_command("worker", workers=1)


def token() -> None:
    from tests.accounts.factories import make_token, make_user

    sys.stdout.write(make_token(make_user("administrator", username="crash")) + "\n")


def info() -> None:
    from huey.contrib.djhuey import HUEY

    sys.stdout.write(json.dumps({"huey": type(HUEY).__name__, "immediate": HUEY.immediate}))


def commands() -> None:
    """Every command `vinculo` offers loads and builds its parser (what `vinculo X --help`
    does), so none stops at start-up with this configuration."""
    from django.core.management import get_commands, load_command_class

    names = sorted(get_commands().items())
    for name, app in names:
        load_command_class(app, name).create_parser("vinculo", name)
    sys.stdout.write(json.dumps([name for name, _app in names]))


_application: Any = None


def crashing_application(environ: dict[str, Any], start_response: Any) -> Any:
    global _application
    if _application is None:
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()  # sets Django up first

        from django.conf import settings

        from vinculo.core.api import idempotency

        armed = os.path.join(settings.VINCULO_HOME, "crash-armed")
        real_store = idempotency.store

        def store_or_die(*args: Any, **kwargs: Any) -> Any:
            if os.path.exists(armed):
                os.unlink(armed)
                os.kill(os.getpid(), signal.SIGKILL)
            return real_store(*args, **kwargs)

        idempotency.store = store_or_die  # type: ignore[assignment]
        _application = application
    return _application(environ, start_response)


def main(argv: list[str]) -> None:
    _setup()
    command, *args = argv
    if command == "seed":
        seed(int(args[0]))
    elif command == "enqueue":
        enqueue()
    elif command == "worker":
        worker(float(args[0]) if args else 0.0)
    elif command == "token":
        token()
    elif command == "info":
        info()
    elif command == "commands":
        commands()
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
