"""How many rows a list holds, without counting a million of them on every page view.

A list says an exact number when counting is cheap (at most COUNT_LIMIT rows, counted with
a LIMIT so a big result never runs to the end), and otherwise an estimate from the
database's own statistics: `pg_class.reltuples` (kept by autovacuum/ANALYZE) or the
planner's row estimate for a filtered query on PostgreSQL; `sqlite_stat1` (written by the
nightly ANALYZE) or the highest id on SQLite. When neither applies it says "more than N".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

COUNT_LIMIT = 500


@dataclass(frozen=True)
class Total:
    """A row count as a list shows it: exact, about (`is_estimate`), or more than
    (`is_lower_bound`: at least `value + 1` rows)."""

    value: int
    is_estimate: bool = False
    is_lower_bound: bool = False

    @property
    def shown(self) -> str:
        """The number as a page shows it, in the active language: "1,234", an estimate
        rounded to two significant digits ("48,000") or in words ("1.0 million")."""
        from django.contrib.humanize.templatetags.humanize import intcomma, intword

        if not self.is_estimate:
            return str(intcomma(self.value))
        if self.value >= 1_000_000:
            return str(intword(self.value))
        magnitude = 10 ** max(0, len(str(self.value)) - 2)
        return str(intcomma(round(self.value / magnitude) * magnitude))

    @property
    def kind(self) -> str:
        if self.is_lower_bound:
            return "more_than"
        return "about" if self.is_estimate else "exact"


def bounded_count(queryset: models.QuerySet[Any], limit: int) -> int:
    """min(rows, limit + 1): the database stops reading after limit + 1 matches."""
    return queryset.order_by().values("pk")[: limit + 1].count()


def table_estimate(model: type[models.Model]) -> int | None:
    """Rows in the model's table according to the database's statistics, or None."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table]
            )
            row = cursor.fetchone()
            # -1 (PostgreSQL 14+): never vacuumed or analysed.
            return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None
        if connection.vendor == "sqlite":
            try:
                cursor.execute(
                    "SELECT stat FROM sqlite_stat1 WHERE tbl = %s AND idx IS NOT NULL LIMIT 1",
                    [table],
                )
                row = cursor.fetchone()
            except Exception:  # noqa: BLE001 - no sqlite_stat1 before the first ANALYZE
                row = None
            if row and row[0]:
                return int(str(row[0]).split()[0])
            # Rows are never renumbered: the highest id bounds the count (one index probe).
            cursor.execute(f'SELECT max("{model._meta.pk.column}") FROM "{table}"')
            row = cursor.fetchone()
            return int(row[0]) if row and row[0] is not None else 0
    return None


def planner_estimate(queryset: models.QuerySet[Any]) -> int | None:
    """PostgreSQL's estimate of the rows this query returns (EXPLAIN, nothing is run)."""
    if connection.vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def list_total(
    queryset: models.QuerySet[Any], *, whole_table: bool, limit: int | None = None
) -> Total:
    """The total a list shows. `whole_table`: the queryset is every row of its table (no
    filter, no visibility limit), so the table's statistics answer for it."""
    limit = COUNT_LIMIT if limit is None else limit
    if whole_table:
        estimate = table_estimate(queryset.model)
        if estimate is not None and estimate > 10 * limit:
            return Total(estimate, is_estimate=True)
    counted = bounded_count(queryset, limit)
    if counted <= limit:
        return Total(counted)
    estimate = table_estimate(queryset.model) if whole_table else planner_estimate(queryset)
    if estimate is not None and estimate > limit:
        return Total(estimate, is_estimate=True)
    return Total(limit, is_lower_bound=True)
