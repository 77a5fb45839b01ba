"""The logbook's reads behind Today: bounded, whatever the company's size."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction, make_task
from vinculo.timeline import queries


def subjects(items) -> list[str]:
    return [i.subject for i in items]


def test_recent_activity_finds_a_quiet_portfolio_beyond_the_first_pass(owner, teammate):
    """Others logged more than `scan` contacts since my last one: the second pass (my
    customers' latest contacts) still finds mine, newest first."""
    now = timezone.now()
    mine = make_customer(owner, name="Ana")
    other = make_customer(owner, name="Bia")
    theirs = make_customer(teammate, name="Caio")
    make_interaction(
        owner, mine, subject="Mine, 3 days ago", occurred_at=now - dt.timedelta(days=3)
    )
    make_interaction(
        owner, other, subject="Mine, 2 days ago", occurred_at=now - dt.timedelta(days=2)
    )
    make_interaction(owner, mine, subject="Mine, too old", occurred_at=now - dt.timedelta(days=45))
    for hours in range(1, 6):
        make_interaction(
            teammate, theirs, subject=f"Theirs {hours}", occurred_at=now - dt.timedelta(hours=hours)
        )
    items, is_mine = queries.recent_activity(owner, limit=10, scan=3)
    assert is_mine and subjects(items) == ["Mine, 2 days ago", "Mine, 3 days ago"]
    items, _mine = queries.recent_activity(owner, limit=1, scan=3)
    assert subjects(items) == ["Mine, 2 days ago"]
    # A broad scope is served by the first pass alone.
    reader = make_user("service")
    with CaptureQueriesContext(connection) as captured:
        items, is_mine = queries.recent_activity(reader, limit=2, scan=3)
    assert not is_mine and subjects(items) == ["Theirs 1", "Theirs 2"]
    assert len(captured.captured_queries) == 3  # owns any? · cut-off · the page


def test_recent_activity_leaves_out_future_and_other_teams(owner, outsider):
    customer = make_customer(owner, name="Ana")
    make_interaction(
        owner, customer, subject="Planned", occurred_at=timezone.now() + dt.timedelta(days=1)
    )
    make_interaction(owner, customer, subject="Done")
    assert subjects(queries.recent_activity(owner)[0]) == ["Done"]
    assert queries.recent_activity(outsider)[0] == []


def test_due_tasks_are_mine_open_and_due(owner, teammate):
    today = timezone.localdate()
    make_task(owner, title="Late", due_date=today - dt.timedelta(days=1))
    make_task(owner, title="Today", due_date=today)
    make_task(owner, title="Later", due_date=today + dt.timedelta(days=1))
    make_task(owner, title="Undated")
    make_task(owner, title="Given away", due_date=today, assignee_id=teammate.pk)
    assert [t.title for t in queries.my_due_tasks(owner)] == ["Late", "Today"]
    assert [t.title for t in queries.my_due_tasks(owner, limit=1)] == ["Late"]
