"""`python -m bench` (`make bench`): load 1M customers / 5M interactions into SQLite and
PostgreSQL, start `vinculo serve` on each, time search, the 360 page, the list and the API
over HTTP, run a 50-client mixed read load, and write bench/RESULTS.md.

Each database runs in its own process (`python -m bench.run <db>`) because Django reads
DATABASE_URL and VINCULO_HOME once. Sizes and options: see bench/config.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

from bench.config import DATA, ROOT, Config
from bench.report import write_report


def main() -> int:
    cfg = Config.from_env()
    DATA.mkdir(parents=True, exist_ok=True)
    failed = []
    for db in cfg.databases:
        env = dict(os.environ)
        env.update(
            VINCULO_HOME=str(cfg.home(db)),
            DATABASE_URL=cfg.database_url(db),
            DJANGO_SETTINGS_MODULE="vinculo.settings",
            HUEY_IMMEDIATE="1",
        )
        env.pop("REDIS_URL", None)
        print(f"== {db}", flush=True)
        code = subprocess.call([sys.executable, "-m", "bench.run", db], env=env, cwd=ROOT.parent)
        if code:
            failed.append(db)
    path = write_report(cfg)
    print(f"Report: {path}")
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
