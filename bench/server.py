"""The server under test: `vinculo serve` with its defaults, as an operator would start it,
on a port of its own (BENCH_PORT, default 8100), stopped with SIGTERM when measuring ends."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

PORT = int(os.environ.get("BENCH_PORT", "8100"))


class Server:
    """`vinculo serve --port PORT` (default workers, threads and job consumer) as a child."""

    def __init__(self, env: dict[str, str], log: Path, port: int = PORT) -> None:
        self.env = env
        self.log = log
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self.argv = [sys.executable, "-m", "vinculo.cli", "serve", "--port", str(port)]

    def __enter__(self) -> Server:
        out = self.log.open("wb")
        self.process = subprocess.Popen(
            self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, process_group=0
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"vinculo serve exited; see {self.log}")
            try:
                con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                con.request("GET", "/accounts/login/")
                con.getresponse().read()
                con.close()
                return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"vinculo serve did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def pids(self) -> list[int]:
        """The supervisor and its children (gunicorn master and workers, job consumer)."""
        if self.process is None:
            return []
        found = [self.process.pid]
        for pid in list(found):
            found += _children(pid)
        return found


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            for child in map(int, text):
                out += [child, *_children(child)]
    except OSError:
        pass
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total
