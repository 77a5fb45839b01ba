"""Benchmark settings from the environment, and where its data lives (bench/data, git-ignored).

BENCH_CUSTOMERS      customers to generate (default 1,000,000)
BENCH_INTERACTIONS   interactions to generate (default 5,000,000)
BENCH_DBS            comma-separated: sqlite, postgresql (default both)
BENCH_PG_URL         server to use (default postgresql://postgres@127.0.0.1:5432);
                     the database vinculo_bench on it is dropped and recreated
BENCH_REUSE          1: keep a database already loaded with the same sizes (re-measure only)
BENCH_SAMPLES        distinct inputs per line (default 40; each is asked twice: cold, warm)
BENCH_PORT           port of the `vinculo serve` under test (default 8100)
BENCH_AUDIT          0: skip the one "create" audit entry per customer (default 1)
BENCH_DATA, BENCH_PG_DATABASE   other data directory / database name (for trial runs)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# Overridable so a test run cannot touch the data of a long run in progress.
DATA = Path(os.environ.get("BENCH_DATA") or ROOT / "data").resolve()
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "vinculo_bench")


@dataclass(frozen=True)
class Config:
    customers: int
    interactions: int
    databases: tuple[str, ...]
    pg_url: str
    reuse: bool
    samples: int
    audit: bool

    @classmethod
    def from_env(cls) -> Config:
        dbs = tuple(
            d.strip()
            for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",")
            if d.strip()
        )
        unknown = set(dbs) - {"sqlite", "postgresql"}
        if unknown:
            raise SystemExit(f"BENCH_DBS: unknown database {', '.join(sorted(unknown))}")
        return cls(
            customers=int(os.environ.get("BENCH_CUSTOMERS", "1000000")),
            interactions=int(os.environ.get("BENCH_INTERACTIONS", "5000000")),
            databases=dbs,
            pg_url=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432").rstrip(
                "/"
            ),
            reuse=os.environ.get("BENCH_REUSE", "0") == "1",
            samples=int(os.environ.get("BENCH_SAMPLES", "40")),
            audit=os.environ.get("BENCH_AUDIT", "1") != "0",
        )

    def home(self, db: str) -> Path:
        """The VINCULO_HOME of one database's run (secret key, static files, Huey file)."""
        return DATA / f"home-{db}"

    def database_url(self, db: str) -> str:
        if db == "sqlite":
            return f"sqlite:///{DATA / 'bench.sqlite3'}"
        return f"{self.pg_url}/{PG_DATABASE}"

    def results_path(self, db: str) -> Path:
        return DATA / f"results-{db}.json"

    def manifest_path(self, db: str) -> Path:
        return DATA / f"loaded-{db}.json"
