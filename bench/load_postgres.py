"""Fast bulk load into a migrated PostgreSQL database with COPY (psycopg 3).

Foreign keys and secondary indexes (the trigram GIN indexes included) of the loaded
tables are dropped before COPY and re-created afterwards from their own definitions
(pg_get_constraintdef / pg_get_indexdef), then the tables are vacuumed and analysed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import psycopg

from bench.columns import TABLES

if TYPE_CHECKING:
    from bench import generate as g


def stamp(value: Any) -> str:
    """A UTC datetime in ISO form; COPY's text format reads it into timestamptz."""
    return value.isoformat()


def recreate_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"')


def _copy(con: psycopg.Connection, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
    columns = ", ".join(TABLES[table])
    with con.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load(dsn: str, gen: g.Generator, *, audit: bool, log: Any = print) -> dict[str, float]:
    timings: dict[str, float] = {}
    tables = list(TABLES)
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("SET synchronous_commit = off")
        con.execute("SET maintenance_work_mem = '1GB'")
        con.execute("SET max_parallel_maintenance_workers = 2")
        constraints = con.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype IN ('f', 'u') "
            "AND conrelid::regclass::text = ANY(%s)",
            [tables],
        ).fetchall()
        indexes = con.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i WHERE NOT i.indisprimary "
            "AND i.indrelid::regclass::text = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [tables],
        ).fetchall()
        for table, name, _definition in constraints:
            con.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            con.execute(f"DROP INDEX {name}")

        started = time.monotonic()
        done = 0
        for chunk in gen.customers():
            _copy(con, "customers_customer", chunk.customers)
            _copy(con, "customers_contactpoint", chunk.points)
            _copy(con, "customers_searchentry", chunk.search)
            if audit:
                _copy(con, "core_auditentry", chunk.audit)
            done += len(chunk.customers)
            if done % 100000 < len(chunk.customers):
                log(f"  customers: {done:,} ({time.monotonic() - started:.0f} s)")
        timings["customers, contact points, search rows, audit"] = time.monotonic() - started

        started = time.monotonic()
        done = 0
        for rows in gen.interactions():
            _copy(con, "timeline_interaction", rows)
            done += len(rows)
            if done % 500000 < len(rows):
                log(f"  interactions: {done:,} ({time.monotonic() - started:.0f} s)")
        _copy(con, "timeline_task", gen.tasks())
        timings["interactions and tasks"] = time.monotonic() - started

        started = time.monotonic()
        for _name, definition in indexes:
            con.execute(definition)
        timings["secondary indexes"] = time.monotonic() - started
        log(f"  indexes rebuilt ({timings['secondary indexes']:.0f} s)")

        started = time.monotonic()
        for table, name, definition in constraints:
            con.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        timings["foreign keys checked"] = time.monotonic() - started

        started = time.monotonic()
        for table in tables:
            con.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', "
                f"'{TABLES[table][0]}'), GREATEST(1, (SELECT max({TABLES[table][0]}) "
                f"FROM {table})))"
                if TABLES[table][0] == "id"
                else "SELECT 1"
            )
            con.execute(f"VACUUM ANALYZE {table}")
        timings["vacuum analyze"] = time.monotonic() - started
    return timings
