"""List totals: exact when cheap, the database's statistics when not, never a full count."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.customers.factories import make_customer
from vinculo.core import counts
from vinculo.customers.models import Customer


def _analyze() -> None:
    with connection.cursor() as cursor:
        postgresql = connection.vendor == "postgresql"
        cursor.execute("ANALYZE customers_customer" if postgresql else "ANALYZE")


def test_small_lists_are_counted_exactly(owner):
    for i in range(3):
        make_customer(owner, name=f"C{i}")
    total = counts.list_total(Customer.objects.all(), whole_table=False, limit=5)
    assert total == counts.Total(3) and total.kind == "exact" and total.shown == "3"


def test_counting_stops_after_the_limit(owner):
    for i in range(7):
        make_customer(owner, name=f"C{i}")
    _analyze()
    with CaptureQueriesContext(connection) as captured:
        people = Customer.objects.filter(kind="person")
        total = counts.list_total(people, whole_table=False, limit=5)
    count_sql = next(q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper())
    assert "LIMIT 6" in count_sql.upper()
    if connection.vendor == "postgresql":
        # the planner's estimate of the filtered query (its statistics: 7 rows)
        assert total == counts.Total(7, is_estimate=True)
    else:
        assert total == counts.Total(5, is_lower_bound=True) and total.kind == "more_than"


def test_the_table_estimate_reads_the_statistics(owner):
    for i in range(12):
        make_customer(owner, name=f"C{i}")
    _analyze()
    assert counts.table_estimate(Customer) == 12
    total = counts.list_total(Customer.objects.all(), whole_table=True, limit=1)
    assert total == counts.Total(12, is_estimate=True)


def test_estimates_are_shown_rounded():
    assert counts.Total(1_040_000, is_estimate=True).shown == "1.0 million"
    assert counts.Total(48_213, is_estimate=True).shown == "48,000"
    assert counts.Total(1_234).shown == "1,234"
