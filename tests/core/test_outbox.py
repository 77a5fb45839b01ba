"""`vinculo outbox` and the services behind it (core.outbox), which the settings page of
event deliveries calls too."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.customers.factories import make_customer
from vinculo.core import events, jobs, outbox
from vinculo.core.errors import ValidationFailed
from vinculo.core.models import OutboxDelivery, OutboxEvent


@pytest.fixture
def consumers(monkeypatch):
    """Two consumers of customer events; "flaky" fails while `broken` is set."""
    monkeypatch.setattr(jobs, "MAX_ATTEMPTS", 1)
    state = {"broken": True, "flaky": [], "steady": []}

    def flaky(event: OutboxEvent) -> None:
        if state["broken"]:
            raise RuntimeError("flaky is down")
        state["flaky"].append(event.pk)

    def steady(event: OutboxEvent) -> None:
        state["steady"].append(event.pk)

    keys = [
        events.register_consumer("customer.created", flaky, key="test.flaky"),
        events.register_consumer("customer.created", steady, key="test.steady"),
    ]
    yield state
    for key in keys:
        events.unregister_consumer(key)


def run(*args: str) -> str:
    out = StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue()


def test_retry_runs_only_the_consumer_that_failed(owner, consumers):
    make_customer(owner, name="Ana")
    jobs.dispatch_pending()
    event = OutboxEvent.objects.get(name="customer.created")
    assert event.processed_at is not None  # every consumer has had it (one gave up)

    assert "1 deliveries of 1 events will be retried" in run("retry", "--consumer", "test.flaky")
    consumers["broken"] = False
    jobs.dispatch_pending()
    assert consumers["flaky"] == [event.pk]
    assert consumers["steady"] == [event.pk]  # not run again
    assert set(OutboxDelivery.objects.values_list("consumer", "status")) == {
        ("test.flaky", "done"),
        ("test.steady", "done"),
    }


def test_discard_by_event_and_the_status_it_leaves(owner, consumers):
    make_customer(owner, name="Ana")
    make_customer(owner, name="Bia")
    jobs.dispatch_pending()
    first, second = OutboxEvent.objects.filter(name="customer.created").order_by("id")

    status = run("status")
    assert "consumer test.flaky: 0 delivered, 0 failing (will retry), 2 failed" in status
    assert "consumer test.steady: 2 delivered, 0 failing (will retry), 0 failed" in status

    assert run("discard", "--event", str(first.pk)) == "1 failed deliveries discarded.\n"
    failed = OutboxDelivery.objects.filter(status="failed")
    assert list(failed.values_list("event_id", flat=True)) == [second.pk]
    assert "consumer test.flaky: 0 delivered, 0 failing (will retry), 1 failed" in run("status")


def test_counts_stop_at_the_limit(owner, consumers, monkeypatch):
    monkeypatch.setattr(outbox, "COUNT_LIMIT", 1)
    make_customer(owner, name="Ana")
    make_customer(owner, name="Bia")
    assert "pending events: more than 1" in run("status")


def test_a_selection_must_name_something(owner, consumers):
    with pytest.raises(CommandError, match="Say which"):
        run("retry")
    with pytest.raises(ValidationFailed):
        outbox.retry_failed(delivery_ids=[])
    with pytest.raises(ValidationFailed):
        outbox.discard_failed(delivery_ids=range(1, outbox.SELECTED_MAX + 2))


def test_retry_leaves_deliveries_that_are_not_failed(owner, consumers):
    make_customer(owner, name="Ana")
    jobs.dispatch_pending()
    done = OutboxDelivery.objects.get(consumer="test.steady")
    assert outbox.retry_failed(delivery_ids=[done.pk]) == outbox.Retried(0, 0)
    assert outbox.discard_failed(delivery_ids=[done.pk]) == 0
    done.refresh_from_db()
    assert done.status == "done"
