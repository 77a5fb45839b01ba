"""Mixed read load: N concurrent clients (threads, one keep-alive connection each) against
the running server for a fixed time, each request chosen at random among the customer
list, the 360 page, the top-bar search and the API customer detail.

Targets (issue 11, section 8): at least 100 requests/s with p95 ≤ 500 ms and no error from
50 clients. The load is bounded in time and sent only to 127.0.0.1.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bench.client import Client
from bench.server import cpu_seconds
from bench.stats import percentile

if TYPE_CHECKING:  # the report imports the targets without Django
    from bench.measure import Sample

TARGET_RPS = 100.0
TARGET_P95_MS = 500.0
CLIENTS = 50
WARMUP_S = 5.0
DURATION_S = 30.0
KINDS = ("list", "360", "search", "api detail")


@dataclass
class LoadResult:
    clients: int
    duration_s: float
    requests: int = 0
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        lat = self.latencies_ms
        return {
            "clients": self.clients,
            "duration_s": self.duration_s,
            "requests": self.requests,
            "requests_per_s": self.rps,
            "errors": self.errors,
            "error_examples": self.error_examples[:10],
            "p50": percentile(lat, 50),
            "p95": percentile(lat, 95),
            "p99": percentile(lat, 99),
            "max": max(lat) if lat else float("nan"),
            "by_kind": {
                k: {
                    "n": len(v),
                    "p50": percentile(v, 50),
                    "p95": percentile(v, 95),
                    "max": max(v) if v else float("nan"),
                }
                for k, v in self.by_kind.items()
            },
            "server_cpu_s": self.server_cpu_s,
            "client_cpu_s": self.client_cpu_s,
            "load_before": self.load_before,
            "load_after": self.load_after,
            "met": self.rps >= TARGET_RPS
            and percentile(lat, 95) <= TARGET_P95_MS
            and self.errors == 0,
        }


def _urls(pool: list[Sample], rng: random.Random, kind: str) -> tuple[str, bool]:
    from bench.measure import _name_fragment

    sample = rng.choice(pool)
    if kind == "list":
        sort = rng.choice(["-updated", "name", "-name", "updated"])
        extra = rng.choice(["", "&stage=customer", "&kind=organization", "&stage=lead"])
        return f"/customers/?sort={sort}{extra}", False
    if kind == "360":
        return f"/customers/{sample.id}/", False
    if kind == "search":
        query = rng.choice([sample.name, _name_fragment(sample, rng), sample.email])
        return f"/search/?q={quote(query)}", True
    return f"/api/v1/customers/{sample.id}", False


def run(
    port: int,
    users: list[tuple[str, str, list[Sample]]],
    server_pids: list[int],
    *,
    clients: int = CLIENTS,
    duration: float = DURATION_S,
    warmup: float = WARMUP_S,
    seed: int = 5,
) -> LoadResult:
    """`users`: (session key, API token, customers that user can see) per signed-in user;
    clients are spread over them evenly."""
    import os
    import resource

    result = LoadResult(clients=clients, duration_s=duration)
    lock = threading.Lock()
    start_at = time.monotonic() + 0.5
    measure_from = start_at + warmup
    stop_at = measure_from + duration

    def worker(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        session, token, pool = users[n % len(users)]
        client = Client(port, session=session, token=token)
        while time.monotonic() < start_at:
            time.sleep(0.01)
        while True:
            now = time.monotonic()
            if now >= stop_at:
                break
            kind = KINDS[rng.randrange(len(KINDS))]
            url, htmx = _urls(pool, rng, kind)
            answer = client.get(url, htmx=htmx)
            if time.monotonic() > stop_at or now < measure_from:
                continue
            with lock:
                result.requests += 1
                result.latencies_ms.append(answer.ms)
                result.by_kind.setdefault(kind, []).append(answer.ms)
                if answer.status != 200:
                    result.errors += 1
                    if len(result.error_examples) < 10:
                        result.error_examples.append(f"{url}: {answer.status} {answer.error}")
        client.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    result.load_before = os.getloadavg()[0]
    for t in threads:
        t.start()
    while time.monotonic() < measure_from:
        time.sleep(0.05)
    cpu_server = cpu_seconds(server_pids)
    cpu_client = resource.getrusage(resource.RUSAGE_SELF)
    while time.monotonic() < stop_at:
        time.sleep(0.05)
    result.server_cpu_s = cpu_seconds(server_pids) - cpu_server
    after = resource.getrusage(resource.RUSAGE_SELF)
    result.client_cpu_s = (after.ru_utime + after.ru_stime) - (
        cpu_client.ru_utime + cpu_client.ru_stime
    )
    for t in threads:
        t.join(timeout=60)
    result.load_after = os.getloadavg()[0]
    return result
