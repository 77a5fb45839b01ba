from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY

from tests.customers.factories import make_customer
from vinculo.accounts import jobs as account_jobs
from vinculo.accounts.models import LoginFailure
from vinculo.core import events, jobs
from vinculo.core.models import IdempotencyRecord, OutboxEvent
from vinculo.customers.models import Tag


@pytest.fixture
def consumer():
    """A consumer of customer events that records what it saw and can be told to fail."""

    class Recorder:
        calls: list[int] = []
        fail_ids: set[int] = set()

        def __call__(self, event: OutboxEvent) -> None:
            Tag.objects.create(name=f"seen-{event.pk}")  # a database effect of delivery
            if event.pk in self.fail_ids:
                raise RuntimeError(f"downstream refused event {event.pk}")
            self.calls.append(event.pk)

    recorder = Recorder()
    recorder.calls, recorder.fail_ids = [], set()
    key = events.register_consumer("customer.", recorder, key="test-recorder")
    yield recorder
    events.unregister_consumer(key)


def test_pruning_drops_only_expired_rows(settings, owner):
    now = timezone.now()
    old = IdempotencyRecord.objects.create(user=owner, key="old", request_hash="x")
    fresh = IdempotencyRecord.objects.create(user=owner, key="fresh", request_hash="y")
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=now - dt.timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS + 60)
    )
    stale = LoginFailure.objects.create(username="ana", ip_address="10.0.0.1")
    recent = LoginFailure.objects.create(username="ana", ip_address="10.0.0.1")
    LoginFailure.objects.filter(pk=stale.pk).update(
        at=now - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1)
    )

    assert jobs.prune_expired.call_local() == {"idempotency_records": 1}
    assert account_jobs.prune_login_failures_job.call_local() == 1
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [recent.pk]
    assert jobs.prune_expired.call_local() == {"idempotency_records": 0}
    assert account_jobs.prune_login_failures_job.call_local() == 0


def test_pruning_works_in_batches(monkeypatch, owner):
    monkeypatch.setattr(jobs, "PRUNE_BATCH", 2)
    LoginFailure.objects.bulk_create([LoginFailure(username=f"u{i}") for i in range(5)])
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(days=2))
    assert account_jobs.prune_login_failures() == 5
    assert not LoginFailure.objects.exists()


def test_dispatcher_delivers_each_event_once_in_id_order(owner, consumer):
    a = make_customer(owner, name="Ana")
    b = make_customer(owner, name="Bruno")
    ids = list(
        OutboxEvent.objects.filter(name="customer.created")
        .order_by("id")
        .values_list("pk", flat=True)
    )
    assert [
        int(i)
        for i in OutboxEvent.objects.filter(pk__in=ids)
        .values_list("aggregate_id", flat=True)
        .order_by("id")
    ] == [a.pk, b.pk]

    first = jobs.dispatch_outbox.call_local()
    second = jobs.dispatch_outbox.call_local()

    assert consumer.calls == ids
    assert first["processed"] == OutboxEvent.objects.count() and first["failed"] == 0
    assert second == {"processed": 0, "failed": 0, "skipped": 0}
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()


def test_event_taken_by_another_worker_is_not_delivered_again(owner, consumer):
    make_customer(owner, name="Ana")
    claimed = events.claim_pending()
    event = next(e for e in claimed if e.name == "customer.created")
    assert events.mark_processed(event.pk)  # another worker got there first

    assert jobs.deliver(event) == "skipped"
    assert consumer.calls == []
    assert not Tag.objects.filter(name=f"seen-{event.pk}").exists()


def test_failure_is_recorded_rolled_back_and_retried_later(owner, consumer):
    make_customer(owner, name="Ana")
    event = OutboxEvent.objects.get(name="customer.created")
    consumer.fail_ids = {event.pk}

    report = jobs.dispatch_pending()

    event.refresh_from_db()
    assert report.failed == 1 and event.processed_at is None
    assert event.attempts == 1 and "downstream refused event" in event.last_error
    # The consumer's own writes were undone with the failed delivery.
    assert not Tag.objects.filter(name=f"seen-{event.pk}").exists()

    consumer.fail_ids = set()
    jobs.dispatch_pending()

    event.refresh_from_db()
    assert event.processed_at is not None and event.attempts == 1
    assert consumer.calls == [event.pk]
    assert Tag.objects.filter(name=f"seen-{event.pk}").count() == 1


def test_events_failing_too_often_wait_for_an_operator(owner, consumer):
    make_customer(owner, name="Ana")
    event = OutboxEvent.objects.get(name="customer.created")
    OutboxEvent.objects.filter(pk=event.pk).update(attempts=jobs.MAX_ATTEMPTS)

    jobs.dispatch_pending()

    event.refresh_from_db()
    assert event.processed_at is None and consumer.calls == []


def test_events_without_consumers_are_marked_processed(owner):
    make_customer(owner, name="Ana")
    report = jobs.dispatch_pending()
    assert report.processed == OutboxEvent.objects.count() > 0
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()


def test_tasks_run_through_huey_in_immediate_mode(owner, consumer):
    make_customer(owner, name="Ana")
    was = HUEY.immediate
    HUEY.immediate = True
    try:
        jobs.dispatch_outbox()  # enqueued and run at once (periodic tasks keep no result)
    finally:
        HUEY.immediate = was
    assert len(consumer.calls) == 1
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()


def test_consumer_discovers_the_kernel_jobs():
    autodiscover_modules("tasks")  # what run_huey does at start
    names = set(HUEY._registry._registry)
    jobs_ = {"dispatch_outbox", "prune_expired", "nightly_optimize"}
    assert {f"vinculo.core.jobs.{name}" for name in jobs_} <= names
    assert "vinculo.accounts.jobs.prune_login_failures_job" in names
    jobs_.add("prune_login_failures_job")
    periodic = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert jobs_ <= periodic


def test_optimize_database_gives_sqlite_planner_statistics(db):
    from django.db import connection

    outcome = jobs.nightly_optimize.call_local()
    if connection.vendor == "sqlite":
        assert outcome == "analyzed"
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone()[0] == 1
    else:
        assert outcome == "skipped"
