"""One database's benchmark: `python -m bench.run sqlite|postgresql`.

Run by `python -m bench` in a fresh process per database, with VINCULO_HOME and
DATABASE_URL already set (Django reads them once, at settings import).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from bench.config import DATA, PG_DATABASE, Config
from bench.stats import percentile


def log(message: str) -> None:
    print(message, flush=True)


def prepare_database(cfg: Config, db: str, fresh: bool) -> None:
    """Drop and recreate the benchmark database (before Django connects to it)."""
    if not fresh:
        return
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DATA / 'bench.sqlite3'}{suffix}").unlink(missing_ok=True)
    else:
        from bench.load_postgres import recreate_database

        recreate_database(f"{cfg.pg_url}/postgres", PG_DATABASE)


def create_staff(teams: int = 20, per_team: int = 5) -> dict[str, Any]:
    """Sales reps owning the customers (teams of five), a reader of everything and a rep
    of team 1 who sees only the team's customers. No passwords: the bench logs in directly."""
    from vinculo.accounts.models import Role, Team, User

    existing = User.objects.filter(username="bench_all").first()
    if existing is not None:
        owners = list(
            User.objects.filter(username__startswith="rep")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        team_user = User.objects.get(username="bench_team")
        return {"all": existing, "team": team_user, "owners": owners}
    sales = Role.objects.get(code=Role.SALES)
    owners = []
    first_team = None
    for t in range(teams):
        team = Team.objects.create(name=f"Bench team {t + 1}")
        first_team = first_team or team
        for r in range(per_team):
            user = User(
                username=f"rep{t + 1:02d}_{r + 1}", first_name=f"Rep {t + 1}.{r + 1}", role=sales
            )
            user.set_unusable_password()
            user.save()
            team.members.add(user)
            owners.append(user.pk)
    reader = User(
        username="bench_all", first_name="Reads all", role=Role.objects.get(code=Role.ADMINISTRATOR)
    )
    reader.set_unusable_password()
    reader.save()
    team_user = User(username="bench_team", first_name="Team rep", role=sales)
    team_user.set_unusable_password()
    team_user.save()
    assert first_team is not None
    first_team.members.add(team_user)
    return {"all": reader, "team": team_user, "owners": owners}


def check_columns() -> None:
    """Fail early if a model gained or lost a column the loaders do not know about."""
    from django.apps import apps

    from bench.columns import TABLES
    from vinculo.customers.models import SearchEntry

    # The search row is whatever search.document builds: its columns follow the model.
    TABLES["customers_searchentry"] = [f.column for f in SearchEntry._meta.concrete_fields]
    for model in apps.get_models():
        table = model._meta.db_table
        if table in TABLES:
            columns = {f.column for f in model._meta.concrete_fields}
            if columns != set(TABLES[table]):
                raise SystemExit(
                    f"bench/columns.py is out of date for {table}: "
                    f"model has {sorted(columns ^ set(TABLES[table]))} differently"
                )


def row_counts() -> dict[str, int]:
    from django.db import connection

    tables = [
        "customers_customer",
        "customers_contactpoint",
        "customers_searchentry",
        "timeline_interaction",
        "timeline_task",
        "core_auditentry",
    ]
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # offline benchmark only
            counts[table] = cursor.fetchone()[0]
    return counts


def fidelity(sample_ids: list[int]) -> dict[str, Any]:
    """Check bulk rows against what the services would write, on a sample."""
    from vinculo.customers.models import ContactPoint, Customer, SearchEntry
    from vinculo.customers.normalize import (
        fold,
        normalize_email,
        normalize_phone,
        normalize_tax_id,
    )
    from vinculo.customers.search import document

    problems: list[str] = []
    customers = Customer.objects.filter(pk__in=sample_ids).select_related("organization")
    points: dict[int, list[ContactPoint]] = {}
    for p in ContactPoint.objects.filter(customer_id__in=sample_ids):
        points.setdefault(p.customer_id, []).append(p)
    entries = {e.customer_id: e for e in SearchEntry.objects.filter(customer_id__in=sample_ids)}
    for c in customers:
        if c.sort_name != fold(c.name)[:200]:
            problems.append(f"{c.pk}: sort_name")
        if normalize_tax_id(c.tax_id, c.tax_id_type) != (c.tax_id_type, c.tax_id):
            problems.append(f"{c.pk}: tax id")
        for p in points.get(c.pk, []):
            clean = normalize_email(p.value) if p.kind == "email" else normalize_phone(p.value)
            if clean != p.value:
                problems.append(f"{c.pk}: {p.kind} {p.value}")
        expected = document(c, points.get(c.pk, []), c.organization.name if c.organization else "")
        entry = entries.get(c.pk)
        fields = [f.attname for f in SearchEntry._meta.concrete_fields]
        if entry is None or [getattr(entry, f) for f in fields] != [
            getattr(expected, f) for f in fields
        ]:
            problems.append(f"{c.pk}: search row")
    return {"checked": len(sample_ids), "problems": problems[:20]}


def code_version() -> str:
    """The commit measured, and the files changed on top of it (work in progress)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], capture_output=True, text=True, cwd=DATA.parent.parent, check=True
            ).stdout.rstrip("\n")
        except (OSError, subprocess.CalledProcessError):
            return ""

    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = [
        line[3:]
        for line in git("status", "--porcelain", "--", "vinculo").splitlines()
        if line[:2].strip() == "M"
    ]
    return head + (f" + uncommitted changes to {', '.join(changed)}" if changed else "")


def machine(db: str) -> dict[str, str]:
    from django.db import connection

    info = {
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "code": code_version(),
    }
    try:
        cpu = [
            line
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ]
        info["cpu"] = f"{cpu[0].split(':', 1)[1].strip()} × {len(cpu)}" if cpu else "?"
        mem = next(
            line
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        info["ram"] = f"{int(mem.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, IndexError):
        pass
    if db == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["postgresql"] = cursor.fetchone()[0]
            cursor.execute("SELECT pg_database_size(current_database())")
            info["database size"] = f"{cursor.fetchone()[0] / 1024**3:.2f} GiB"
    else:
        size = sum(
            Path(f"{DATA / 'bench.sqlite3'}{s}").stat().st_size
            for s in ("", "-wal")
            if Path(f"{DATA / 'bench.sqlite3'}{s}").exists()
        )
        info["database size"] = f"{size / 1024**3:.2f} GiB"
    return info


def main(db: str) -> None:
    cfg = Config.from_env()
    DATA.mkdir(parents=True, exist_ok=True)
    wanted = {"customers": cfg.customers, "interactions": cfg.interactions, "audit": cfg.audit}
    manifest = cfg.manifest_path(db)
    reuse = (
        cfg.reuse and manifest.exists() and json.loads(manifest.read_text()).get("sizes") == wanted
    )
    if not reuse:
        manifest.unlink(missing_ok=True)
    prepare_database(cfg, db, fresh=not reuse)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench import generate as g
    from bench import measure
    from vinculo.core.jobs import optimize_database

    check_columns()
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    staff = create_staff()
    load_timings: dict[str, float] = {}
    if reuse:
        log(f"{db}: reusing the loaded database ({manifest.name})")
        load_timings = json.loads(manifest.read_text())["load_seconds"]
    else:
        log(f"{db}: loading {cfg.customers:,} customers and {cfg.interactions:,} interactions")
        plan = g.Plan(cfg.customers, cfg.interactions, timezone.now(), staff["owners"])
        connection.close()
        if db == "sqlite":
            from bench import load_sqlite

            gen = g.Generator(plan, load_sqlite.stamp)
            load_timings = load_sqlite.load(DATA / "bench.sqlite3", gen, audit=cfg.audit, log=log)
        else:
            from bench import load_postgres

            gen = g.Generator(plan, load_postgres.stamp)
            load_timings = load_postgres.load(cfg.database_url(db), gen, audit=cfg.audit, log=log)
        step = time.monotonic()
        optimize_database()  # the nightly job; PostgreSQL was analysed by the loader
        load_timings["planner statistics (nightly job)"] = time.monotonic() - step
        load_timings["total"] = time.monotonic() - started
        manifest.write_text(
            json.dumps({"sizes": wanted, "load_seconds": load_timings, "whales": gen.whale_ids()})
        )
    whales = json.loads(manifest.read_text())["whales"]
    log(f"{db}: loaded in {load_timings.get('total', 0):.0f} s; measuring")

    rng = random.Random(7)
    counts = row_counts()
    n = counts["customers_customer"]
    check = fidelity(rng.sample(range(1, n + 1), min(n, 500)))
    team_owners = staff["team"].teammate_ids()
    k = cfg.samples
    pool = {
        "all": measure.samples(rng, n, k * 8, None),
        "team": measure.samples(rng, n, k * 8, team_owners),
    }
    connection.close()
    http_results = measure_http(cfg, db, staff, pool, whales, k)
    out = {
        "database": db,
        "date": timezone.now().isoformat(timespec="seconds"),
        "machine": machine(db),
        "sizes": wanted,
        "inputs_per_measurement": k,
        "rows": counts,
        "load_seconds": load_timings,
        "fidelity": check,
        "team_scope_owners": len(team_owners),
        **http_results,
    }
    cfg.results_path(db).write_text(json.dumps(out, indent=1, ensure_ascii=False))
    log(f"{db}: results in {cfg.results_path(db)}")


def credentials(user: Any) -> tuple[str, str]:
    """(session key, API token) for `user`, as a sign-in and the profile page would give."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from vinculo.accounts.models import ApiToken

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    _token, raw = ApiToken.issue(user=user, name="bench", scope="read")
    return session.session_key or "", raw


def deep_cursors(samples: list[Any]) -> list[tuple[str, str]]:
    """List cursors placed at random customers: (sort, cursor), alternating name / update."""
    from vinculo.core.pagination import _encode
    from vinculo.customers.models import Customer

    rows = Customer.objects.in_bulk([s.id for s in samples])
    out = []
    for i, sample in enumerate(samples):
        c = rows[sample.id]
        if i % 2:
            out.append(("name", _encode([c.sort_name, c.pk], "n")))
        else:
            out.append(("-updated", _encode([c.updated_at, c.pk], "n")))
    return out


def measure_http(
    cfg: Config, db: str, staff: dict[str, Any], pool: dict[str, Any], whales: list[int], k: int
) -> dict[str, Any]:
    """Start `vinculo serve` (its defaults) and time it over HTTP: lines, then the load."""
    from django.db import connection

    from bench import load_test, over_http
    from bench.client import Client
    from bench.server import PORT, Server

    creds = {scope: credentials(staff[scope]) for scope in ("all", "team")}
    cursors = {scope: deep_cursors(pool[scope][2 * k : 3 * k]) for scope in ("all", "team")}
    connection.close()
    env = dict(os.environ)
    env.pop("HUEY_IMMEDIATE", None)
    log(f"{db}: starting vinculo serve on port {PORT}")
    with Server(env, DATA / f"server-{db}.log") as server:
        clients = {s: Client(PORT, session=c[0], token=c[1]) for s, c in creds.items()}
        # Warm-up: every worker has imported, compiled its templates and opened its files
        # before the first timed request (customers not among the measured ones).
        warm = pool["all"][-40:]
        for sample in warm:
            for url in (
                f"/customers/{sample.id}/",
                "/customers/",
                f"/api/v1/customers/{sample.id}",
                f"/search/?q={sample.email}",
            ):
                clients["all"].get(url)
        load_before = os.getloadavg()[0]
        lines = over_http.search_lines(clients, pool, k, seed=11)
        for line in lines:
            log(f"  {line.name} [{line.scope}]: cold p95 {line.stat(line.cold_ms, 95):.1f} ms")
        pages = over_http.page_lines(clients, pool, k, whales, cursors, staff["owners"], seed=13)
        for line in pages:
            log(f"  {line.name} [{line.scope}]: cold p95 {line.stat(line.cold_ms, 95):.1f} ms")
        load_mid = os.getloadavg()[0]
        for client in clients.values():
            client.close()
        users = [(creds[s][0], creds[s][1], pool[s]) for s in ("all", "team")]
        log(f"{db}: load test, {load_test.CLIENTS} clients, {load_test.DURATION_S:.0f} s")
        load = load_test.run(PORT, users, server.pids())
        log(
            f"  {load.rps:.1f} requests/s, p95 {percentile(load.latencies_ms, 95):.0f} ms, "
            f"{load.errors} errors"
        )
    return {
        "server": " ".join(server.argv[1:]),
        "load_average": {"before": load_before, "after": load_mid},
        "lines": [line.as_dict() for line in lines + pages],
        "load_test": load.as_dict(),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")
    main(sys.argv[1])
