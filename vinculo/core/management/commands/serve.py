"""`vinculo serve`: the web server (gunicorn, gthread workers) and the job consumer together.

Both run as child processes in their own process groups, so a Ctrl-C reaches only this
supervisor, which then stops each child the graceful way it understands (gunicorn:
SIGTERM; the Huey consumer: SIGINT). A second signal stops them at once. When either
child exits, the other is stopped too and `serve` exits with the first one's status, so
a process manager (systemd, a container runtime) sees the failure and restarts the pair.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

STOP_TIMEOUT = 30.0  # seconds a child gets to finish before it is killed


@dataclass
class Child:
    """A supervised program: its command line and its graceful / immediate stop signals."""

    name: str
    argv: list[str]
    graceful: int = int(signal.SIGTERM)
    immediate: int = int(signal.SIGQUIT)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


def web_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "vinculo.wsgi:application",
        "--bind",
        bind,
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        str(int(STOP_TIMEOUT) - 5),
    ]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "vinculo.cli", "worker"]


def children_for(options: dict[str, Any]) -> list[Child]:
    """The programs `serve` runs for these options."""
    children = [
        Child(
            "web",
            web_command(options["host"], options["port"], options["workers"], options["threads"]),
            graceful=int(signal.SIGTERM),  # gunicorn: TERM is the graceful shutdown
            immediate=int(signal.SIGQUIT),
        )
    ]
    if options["worker"]:
        # Huey's consumer finishes running tasks on INT; TERM stops it at once.
        children.append(
            Child(
                "worker",
                worker_command(),
                graceful=int(signal.SIGINT),
                immediate=int(signal.SIGTERM),
            )
        )
    return children


class Supervisor:
    """Start children, forward stop requests, and exit as soon as one of them exits."""

    def __init__(self, children: list[Child], *, poll: float = 0.2) -> None:
        self.children = children
        self.poll = poll
        self.stop_requests = 0
        self.first_exit: tuple[str, int] | None = None

    def request_stop(self, *_args: Any) -> None:
        """Signal handler: the first request stops gracefully, the next ones at once."""
        self.stop_requests += 1
        immediate = self.stop_requests > 1
        for child in self.children:
            self._send(child, child.immediate if immediate else child.graceful)

    def _send(self, child: Child, signum: int) -> None:
        if child.process is not None and child.process.poll() is None:
            try:
                child.process.send_signal(signum)
            except ProcessLookupError:
                pass

    def start(self) -> None:
        for child in self.children:
            child.process = subprocess.Popen(child.argv, process_group=0)

    def run(self, *, install_signals: bool = True) -> int:
        """Run until a child exits or a stop is requested; return the exit status."""
        previous: dict[int, Any] = {}
        if install_signals:
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, self._on_signal)
        try:
            self.start()
            while self.first_exit is None:
                for child in self.children:
                    assert child.process is not None
                    code = child.process.poll()
                    if code is not None:
                        self.first_exit = (child.name, code)
                        break
                else:
                    time.sleep(self.poll)
            self._stop_all()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        if self.stop_requests:
            return 0
        return self.first_exit[1] or 1  # a child that exits on its own is a failure

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.request_stop()

    def _stop_all(self) -> None:
        for child in self.children:
            self._send(child, child.graceful)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in self.children:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()


class Command(BaseCommand):
    help = "Serve Vínculo: gunicorn (gthread) and the background job consumer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
        parser.add_argument("--port", type=int, default=8000, help="default: 8000")
        parser.add_argument("--workers", type=int, default=2, help="web processes (default 2)")
        parser.add_argument(
            "--threads", type=int, default=4, help="threads per web process (default 4)"
        )
        parser.add_argument(
            "--no-worker",
            action="store_false",
            dest="worker",
            help="do not start the job consumer (run `vinculo worker` elsewhere)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535")
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1")
        children = children_for(options)
        host = options["host"]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        shown = f"[{shown}]" if ":" in shown else shown
        self.stdout.write(
            self.style.SUCCESS(f"Vínculo is running at http://{shown}:{options['port']}/")
            + ("" if shown == host else f" (listening on every address, {host})")
        )
        self.stdout.write(
            "Job consumer: "
            + ("started beside the web server." if options["worker"] else "not started.")
            + " Press Ctrl-C to stop."
        )
        self.stdout.flush()
        code = Supervisor(children).run()
        if code:
            raise SystemExit(code)
