"""Fast bulk load into a migrated SQLite database.

Secondary indexes and the FTS triggers are dropped first and rebuilt once at the end
(`INSERT INTO customers_search_fts(customers_search_fts) VALUES('rebuild')` tokenises every
search row, exactly what the insert trigger would have done row by row).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.columns import TABLES

if TYPE_CHECKING:
    from bench import generate as g


def stamp(value: Any) -> str:
    """A UTC datetime as Django's SQLite backend stores it (naive UTC, `str()` format)."""
    return str(value.replace(tzinfo=None))


def _insert(con: sqlite3.Connection, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
    columns = TABLES[table]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    con.executemany(sql, rows)


def load(path: Path, gen: g.Generator, *, audit: bool, log: Any = print) -> dict[str, float]:
    """Load every table; return the seconds each phase took."""
    timings: dict[str, float] = {}
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    con.execute("PRAGMA temp_store=MEMORY")
    names = ", ".join(f"'{t}'" for t in TABLES)
    indexes = con.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({names})"
    ).fetchall()
    triggers = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='trigger' "
        "AND tbl_name='customers_searchentry'"
    ).fetchall()
    for name, _sql in indexes:
        con.execute(f'DROP INDEX "{name}"')
    for name, _sql in triggers:
        con.execute(f'DROP TRIGGER "{name}"')

    started = time.monotonic()
    con.execute("BEGIN")
    done = 0
    for chunk in gen.customers():
        _insert(con, "customers_customer", chunk.customers)
        _insert(con, "customers_contactpoint", chunk.points)
        _insert(con, "customers_searchentry", chunk.search)
        if audit:
            _insert(con, "core_auditentry", chunk.audit)
        done += len(chunk.customers)
        if done % 100000 < len(chunk.customers):
            log(f"  customers: {done:,} ({time.monotonic() - started:.0f} s)")
    con.execute("COMMIT")
    timings["customers, contact points, search rows, audit"] = time.monotonic() - started

    started = time.monotonic()
    con.execute("BEGIN")
    done = 0
    for rows in gen.interactions():
        _insert(con, "timeline_interaction", rows)
        done += len(rows)
        if done % 500000 < len(rows):
            log(f"  interactions: {done:,} ({time.monotonic() - started:.0f} s)")
    _insert(con, "timeline_task", gen.tasks())
    con.execute("COMMIT")
    timings["interactions and tasks"] = time.monotonic() - started

    started = time.monotonic()
    for _name, sql in indexes:
        con.execute(sql)
    timings["secondary indexes"] = time.monotonic() - started
    log(f"  indexes rebuilt ({timings['secondary indexes']:.0f} s)")

    started = time.monotonic()
    con.execute("INSERT INTO customers_search_fts(customers_search_fts) VALUES('rebuild')")
    for _name, sql in triggers:
        con.execute(sql)
    timings["full-text index"] = time.monotonic() - started
    log(f"  full-text index rebuilt ({timings['full-text index']:.0f} s)")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    return timings
