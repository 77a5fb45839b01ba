from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY

from tests.customers.factories import make_customer
from vinculo.accounts import jobs as account_jobs
from vinculo.accounts.models import LoginFailure
from vinculo.core import events, jobs
from vinculo.core.models import IdempotencyRecord, JobLock, OutboxDelivery, OutboxEvent
from vinculo.customers.models import Tag

pytestmark = pytest.mark.jobs  # also run on Redis by scripts/test-all


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
    # Delivery state per consumer: one "done" row for each event it had.
    assert set(
        OutboxDelivery.objects.filter(consumer="test-recorder").values_list("event_id", "status")
    ) == {(i, "done") for i in ids}


def test_event_claimed_by_another_worker_is_not_delivered_again(owner, consumer):
    make_customer(owner, name="Ana")
    event = next(e for e in events.claim_pending() if e.name == "customer.created")
    assert events.claim(event.pk, lease_seconds=300)  # another worker got there first

    assert jobs.deliver(event) == "skipped"
    assert consumer.calls == []
    assert not Tag.objects.filter(name=f"seen-{event.pk}").exists()
    assert events.claim_pending() == []  # leased: no dispatcher takes it meanwhile


def test_claim_of_a_dispatcher_that_died_ends_with_its_lease(owner, consumer, settings):
    make_customer(owner, name="Ana")
    event = OutboxEvent.objects.get(name="customer.created")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert events.claim(event.pk, lease_seconds=settings.OUTBOX_CLAIM_SECONDS)
        # ...and that worker was killed before delivering it.
        clock.shift(settings.OUTBOX_CLAIM_SECONDS - 1)
        assert jobs.dispatch_pending().processed == 0 and consumer.calls == []
        clock.shift(2)
        assert jobs.dispatch_pending().processed == 1
    assert consumer.calls == [event.pk]


def test_failure_is_recorded_rolled_back_and_retried_later(owner, consumer):
    make_customer(owner, name="Ana")
    event = OutboxEvent.objects.get(name="customer.created")
    consumer.fail_ids = {event.pk}

    with time_machine.travel(timezone.now(), tick=False) as clock:
        report = jobs.dispatch_pending()

        event.refresh_from_db()
        delivery = OutboxDelivery.objects.get(event=event, consumer="test-recorder")
        assert report.failed == 1 and event.processed_at is None
        assert delivery.status == "retry" and delivery.attempts == 1
        assert "downstream refused event" in delivery.last_error
        assert event.attempts == 1 and "test-recorder" in event.last_error
        # The consumer's own writes were undone with the failed delivery.
        assert not Tag.objects.filter(name=f"seen-{event.pk}").exists()

        consumer.fail_ids = set()
        # Not before its retry time (a minute after the first failure)...
        clock.shift(jobs.RETRY_BASE_SECONDS - 1)
        assert jobs.dispatch_pending() == jobs.DispatchReport()
        clock.shift(1)
        jobs.dispatch_pending()

    event.refresh_from_db()
    delivery.refresh_from_db()
    assert event.processed_at is not None and delivery.status == "done"
    assert consumer.calls == [event.pk]
    assert Tag.objects.filter(name=f"seen-{event.pk}").count() == 1


def test_retries_wait_longer_each_time_up_to_an_hour():
    waits = [jobs.retry_delay(n).total_seconds() for n in range(1, jobs.MAX_ATTEMPTS)]
    assert waits[:4] == [60, 120, 240, 480]
    assert max(waits) == jobs.RETRY_MAX_SECONDS and waits == sorted(waits)


def test_a_failing_consumer_never_reruns_or_blocks_the_others(owner, consumer):
    """Two consumers of one event: the failing one is retried alone."""
    other_calls: list[int] = []

    def webhook(event: OutboxEvent) -> None:
        other_calls.append(event.pk)

    key = events.register_consumer("customer.", webhook, key="test-webhook", atomic=False)
    try:
        make_customer(owner, name="Ana")
        make_customer(owner, name="Bia")
        first, second = OutboxEvent.objects.filter(name="customer.created").order_by("id")
        consumer.fail_ids = {first.pk}
        with time_machine.travel(timezone.now(), tick=False) as clock:
            report = jobs.dispatch_pending()
            assert (report.processed, report.failed) == (1, 1)
            # The webhook had both events; the recorder had the second despite the first.
            assert other_calls == [first.pk, second.pk] and consumer.calls == [second.pk]

            consumer.fail_ids = set()
            for _attempt in range(3):
                clock.shift(jobs.RETRY_MAX_SECONDS)
                jobs.dispatch_pending()
    finally:
        events.unregister_consumer(key)
    assert other_calls == [first.pk, second.pk]  # never again
    assert consumer.calls == [second.pk, first.pk]
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()


def test_after_a_crash_mid_event_only_the_missing_consumers_run(owner, consumer):
    """A dispatcher killed after one consumer's delivery: the next one skips that one."""
    make_customer(owner, name="Ana")
    event = OutboxEvent.objects.get(name="customer.created")
    OutboxDelivery.objects.create(event=event, consumer="test-webhook", status="done")
    other_calls: list[int] = []
    key = events.register_consumer("customer.", other_calls.append, key="test-webhook")
    try:
        assert jobs.deliver(event) == "processed"
    finally:
        events.unregister_consumer(key)
    assert other_calls == [] and consumer.calls == [event.pk]


def test_delivery_is_idempotent_per_consumer_and_event(owner, consumer):
    """If another dispatcher (after a lease ran out) recorded the delivery first, this
    one's run is undone: a consumer's writes happen once per event."""
    make_customer(owner, name="Ana")
    event = OutboxEvent.objects.get(name="customer.created")
    OutboxDelivery.objects.create(event=event, consumer="test-recorder", status="done")
    registration = events.registrations_for(event.name)[0]

    assert jobs._run_consumer(registration, event, None) is None

    assert not Tag.objects.filter(name=f"seen-{event.pk}").exists()
    assert OutboxDelivery.objects.get(event=event).status == "done"


@pytest.mark.django_db(transaction=True)
def test_consumers_run_after_the_claim_commits_and_outside_any_transaction(owner):
    """The claim is committed before a consumer runs; a non-atomic consumer (webhooks)
    runs with no transaction open, an atomic one inside its own."""
    seen: dict[str, object] = {}

    def webhook(event: OutboxEvent) -> None:
        seen["webhook_in_transaction"] = connection.in_atomic_block
        seen["claimed_until"] = OutboxEvent.objects.get(pk=event.pk).available_at

    def indexer(event: OutboxEvent) -> None:
        seen["indexer_in_transaction"] = connection.in_atomic_block

    keys = [
        events.register_consumer("customer.", webhook, key="t-webhook", atomic=False),
        events.register_consumer("customer.", indexer, key="t-indexer"),
    ]
    try:
        make_customer(owner, name="Ana")
        started = timezone.now()
        jobs.dispatch_pending()
    finally:
        for key in keys:
            events.unregister_consumer(key)
    assert seen["webhook_in_transaction"] is False
    assert seen["indexer_in_transaction"] is True
    assert seen["claimed_until"] > started  # the lease was visible: committed


def test_consumers_giving_up_wait_for_an_operator(owner, consumer):
    make_customer(owner, name="Ana")
    event = OutboxEvent.objects.get(name="customer.created")
    consumer.fail_ids = {event.pk}
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _attempt in range(jobs.MAX_ATTEMPTS + 2):
            jobs.dispatch_pending()
            clock.shift(jobs.RETRY_MAX_SECONDS)

    delivery = OutboxDelivery.objects.get(event=event)
    event.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == jobs.MAX_ATTEMPTS
    # Every consumer has had its chance: the event leaves the pending queue.
    assert event.processed_at is not None and consumer.calls == []


def test_events_without_consumers_are_marked_processed(owner):
    make_customer(owner, name="Ana")
    report = jobs.dispatch_pending()
    assert report.processed == OutboxEvent.objects.count() > 0
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()
    assert not OutboxDelivery.objects.exists()


def test_processed_events_are_pruned_after_the_retention(owner, consumer, settings, monkeypatch):
    monkeypatch.setattr(jobs, "PRUNE_BATCH", 2)
    settings.OUTBOX_RETENTION_DAYS = 3
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=10), tick=False) as clock:
        for name in ("Ana", "Bia", "Caio", "Davi", "Eva"):
            make_customer(owner, name=name)
        a, b, c, d, e = OutboxEvent.objects.filter(name="customer.created").order_by("id")
        consumer.fail_ids = {d.pk}
        for _attempt in range(jobs.MAX_ATTEMPTS):
            jobs.dispatch_pending()
            clock.shift(jobs.RETRY_MAX_SECONDS)
    OutboxEvent.objects.filter(pk=e.pk).update(processed_at=None)  # still pending
    OutboxEvent.objects.filter(pk=c.pk).update(processed_at=now - dt.timedelta(days=2))

    assert jobs.prune_outbox.call_local() == 2
    # Recent and pending events stay, and so does the one a consumer gave up on.
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {c.pk, d.pk, e.pk}
    assert OutboxDelivery.objects.filter(event_id__in=[a.pk, b.pk]).count() == 0
    assert jobs.prune_outbox.call_local() == 0


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
    jobs_ = {"dispatch_outbox", "prune_expired", "prune_outbox", "nightly_optimize"}
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


def test_a_lock_left_by_a_killed_consumer_expires(owner, consumer):
    """kill -9 mid-dispatch leaves the dispatcher's lock behind: it blocks dispatching
    only until it expires, then pending events flow again."""
    make_customer(owner, name="Ana")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert jobs.acquire_lock("outbox-dispatch", ttl_seconds=jobs.DISPATCH_LOCK_SECONDS)
        assert jobs.dispatch_outbox.call_local() == asdict(jobs.DispatchReport())
        assert consumer.calls == []
        clock.shift(jobs.DISPATCH_LOCK_SECONDS + 1)
        assert jobs.dispatch_outbox.call_local()["processed"] == 1
    assert len(consumer.calls) == 1
    assert not JobLock.objects.exists()  # released after the run


def test_job_locks_exclude_each_other_and_release_only_their_own(db):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        first = jobs.acquire_lock("x", ttl_seconds=10)
        assert first and jobs.acquire_lock("x", ttl_seconds=10) is None
        assert jobs.acquire_lock("y", ttl_seconds=10)  # another job's lock is another lock
        clock.shift(11)
        second = jobs.acquire_lock("x", ttl_seconds=10)  # the first holder died
        assert second and second != first
        jobs.release_lock("x", first)  # the late first holder cannot free the new one's lock
        assert jobs.acquire_lock("x", ttl_seconds=10) is None
        jobs.release_lock("x", second)
        assert jobs.acquire_lock("x", ttl_seconds=10)
    assert jobs.flush_job_locks() == 2 and not JobLock.objects.exists()
