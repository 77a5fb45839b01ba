"""The one write path: versions, audit entries and outbox events happen together or not at all."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils.timezone import now

from tests.customers.factories import make_customer
from vinculo.core import persistence
from vinculo.core.audit import history
from vinculo.core.errors import StaleVersion
from vinculo.core.models import AuditEntry, OutboxEvent
from vinculo.customers.models import Customer


def test_update_records_only_changed_fields_and_bumps_version(owner):
    c = make_customer(owner, name="Ana")
    c = Customer.objects.get(pk=c.pk)
    c.job_title = "Buyer"
    with transaction.atomic():
        persistence.update(c, actor=owner, expected_version=1)
    assert Customer.objects.get(pk=c.pk).version == 2
    entry = history(c)[0]
    assert entry.action == "update" and entry.actor == owner
    assert entry.changes == {"job_title": ["", "Buyer"]}
    event = OutboxEvent.objects.filter(name="customer.updated").get()
    assert event.payload["fields"] == ["job_title"] and event.processed_at is None


def test_stale_update_writes_nothing(owner):
    c = make_customer(owner, name="Ana")
    c = Customer.objects.get(pk=c.pk)
    c.job_title = "Buyer"
    before = (AuditEntry.objects.count(), OutboxEvent.objects.count())
    with pytest.raises(StaleVersion), transaction.atomic():
        persistence.update(c, actor=owner, expected_version=7)
    assert Customer.objects.get(pk=c.pk).job_title == ""
    assert (AuditEntry.objects.count(), OutboxEvent.objects.count()) == before


def test_unchanged_save_with_stale_version_is_still_refused(owner):
    c = Customer.objects.get(pk=make_customer(owner, name="Ana").pk)
    with pytest.raises(StaleVersion), transaction.atomic():
        persistence.update(c, actor=owner, expected_version=2)


def test_delete_keeps_last_values_in_history(owner):
    c = Customer.objects.get(pk=make_customer(owner, name="Ana", emails=["a@example.com"]).pk)
    pk = c.pk
    with transaction.atomic():
        persistence.delete(c, actor=owner, expected_version=1)
    assert not Customer.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.filter(object_id=str(pk), action="delete").get()
    assert entry.changes["name"] == ["Ana", None]
    assert OutboxEvent.objects.filter(name="customer.deleted", aggregate_id=str(pk)).exists()


def test_stale_delete_is_refused(owner):
    c = Customer.objects.get(pk=make_customer(owner, name="Ana").pk)
    with pytest.raises(StaleVersion), transaction.atomic():
        persistence.delete(c, actor=owner, expected_version=3)
    assert Customer.objects.filter(pk=c.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_writes_outside_a_transaction_are_refused(owner):
    c = Customer.objects.get(pk=make_customer(owner, name="Ana").pk)
    with pytest.raises(RuntimeError):
        persistence.update(c, actor=owner, expected_version=1)


# --- What every writer promises, asserted so that a broken kernel fails a test -------------


def _fresh(customer: Customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


def _counts() -> tuple[int, int]:
    return AuditEntry.objects.count(), OutboxEvent.objects.count()


def test_create_records_the_actor_the_values_and_the_related_rows(owner):
    customer = Customer(name="Ana", sort_name="ana", owner=owner)
    saved_with: list[int | None] = []

    def save_related(obj: Customer) -> dict[str, list]:
        saved_with.append(obj.pk)
        return {"emails": [[], ["ana@example.com"]]}

    with transaction.atomic():
        created = persistence.create(
            customer, actor=owner, save_related=save_related, event_payload={"via": "import"}
        )
    assert saved_with == [created.pk] and created.pk is not None
    assert _fresh(created).version == 1 and created.version == 1
    entry = history(created)[0]
    assert entry.action == "create" and entry.actor == owner
    assert entry.changes["name"] == [None, "Ana"]
    assert entry.changes["emails"] == [None, ["ana@example.com"]]
    assert "job_title" not in entry.changes and "birth_date" not in entry.changes  # empty
    event = OutboxEvent.objects.get(name="customer.created", aggregate_id=str(created.pk))
    assert event.actor_id == owner.pk and event.payload["id"] == created.pk
    assert event.payload["via"] == "import"  # what the caller adds reaches the consumers


def test_create_without_related_rows(owner):
    with transaction.atomic():
        created = persistence.create(Customer(name="Ana", sort_name="ana"), actor=owner)
    assert _fresh(created).name == "Ana"
    assert history(created)[0].changes["name"] == [None, "Ana"]


def test_create_never_overwrites_an_existing_record(owner):
    existing = make_customer(owner, name="Ana")
    # An import carrying ids and creation dates from another system, say.
    impostor = Customer(
        pk=existing.pk, name="Impostor", sort_name="impostor", owner=owner, created_at=now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        persistence.create(impostor, actor=owner)
    assert _fresh(existing).name == "Ana"


def test_update_writes_the_values_the_version_and_the_time(owner):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        customer = _fresh(make_customer(owner, name="Ana"))
    later = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
    customer.job_title = "Buyer"
    with time_machine.travel(later, tick=False), transaction.atomic():
        returned = persistence.update(customer, actor=owner, expected_version=1)
    stored = _fresh(customer)
    assert stored.job_title == "Buyer" and stored.version == 2 and stored.updated_at == later
    # The caller answers with the saved object (ETag, form's hidden version): it must match.
    assert returned.version == 2 and returned.updated_at == later
    event = OutboxEvent.objects.get(name="customer.updated")
    assert event.payload["id"] == customer.pk and event.payload["version"] == 2
    assert event.actor_id == owner.pk
    assert history(customer)[0].actor == owner


def test_update_touches_only_its_own_record(owner):
    mine, other = make_customer(owner, name="Ana"), make_customer(owner, name="Bia")
    mine = _fresh(mine)
    mine.job_title = "Buyer"
    with transaction.atomic():
        persistence.update(mine, actor=owner, expected_version=1)
    other = _fresh(other)
    assert other.version == 1 and other.job_title == ""
    assert _fresh(mine).version == 2


def test_the_same_object_can_be_saved_twice(owner):
    customer = _fresh(make_customer(owner, name="Ana"))
    customer.job_title = "Buyer"
    with transaction.atomic():
        persistence.update(customer, actor=owner, expected_version=1)
    customer.job_title = "Head buyer"
    with transaction.atomic():
        persistence.update(customer, actor=owner, expected_version=2)
    assert _fresh(customer).version == 3
    assert history(customer)[0].changes == {"job_title": ["Buyer", "Head buyer"]}


def test_without_expected_version_the_loaded_version_is_checked(owner):
    mine = _fresh(make_customer(owner, name="Ana"))
    theirs = _fresh(mine)
    mine.job_title = "Buyer"
    with transaction.atomic():
        persistence.update(mine, actor=owner, expected_version=None)
    assert _fresh(mine).version == 2
    theirs.job_title = "Seller"
    with pytest.raises(StaleVersion), transaction.atomic():
        persistence.update(theirs, actor=owner, expected_version=None)
    assert _fresh(mine).job_title == "Buyer"


def test_unchanged_save_at_the_current_version_succeeds_and_writes_nothing(owner):
    customer = _fresh(make_customer(owner, name="Ana"))
    before, updated_at = _counts(), customer.updated_at
    with transaction.atomic():
        returned = persistence.update(customer, actor=owner, expected_version=1)
    assert returned.version == 1
    stored = _fresh(customer)
    assert stored.version == 1 and stored.updated_at == updated_at
    assert _counts() == before


def test_unchanged_save_is_checked_against_its_own_record(owner):
    mine = _fresh(make_customer(owner, name="Ana"))
    other = _fresh(make_customer(owner, name="Bia"))
    other.job_title = "Buyer"
    with transaction.atomic():
        persistence.update(other, actor=owner, expected_version=1)  # another record at v2
    with pytest.raises(StaleVersion), transaction.atomic():
        persistence.update(mine, actor=owner, expected_version=2)


def test_update_needs_a_record_loaded_from_the_database(owner):
    with (
        pytest.raises(ValueError, match=r"^update\(\) needs a record loaded from the database$"),
        transaction.atomic(),
    ):
        persistence.update(Customer(name="Ana"), actor=owner, expected_version=1)


def test_touch_bumps_the_version_for_a_change_in_related_rows(owner):
    customer = _fresh(make_customer(owner, name="Ana"))
    change = {"phones": [[], ["+5511987654321"]]}
    with transaction.atomic():
        persistence.touch(customer, actor=owner, expected_version=1, changes=change)
    assert _fresh(customer).version == 2
    entry = history(customer)[0]
    assert entry.action == "update" and entry.actor == owner and entry.changes == change
    event = OutboxEvent.objects.get(name="customer.updated")
    assert event.payload["version"] == 2 and event.actor_id == owner.pk
    with pytest.raises(StaleVersion), transaction.atomic():
        persistence.touch(_fresh(customer), actor=owner, expected_version=1, changes=change)


def test_delete_records_the_actor_and_only_values_that_were_set(owner):
    customer = _fresh(make_customer(owner, name="Ana"))
    pk = customer.pk
    with transaction.atomic():
        persistence.delete(customer, actor=owner, expected_version=None)
    assert not Customer.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(object_id=str(pk), action="delete")
    assert entry.actor == owner and entry.changes["name"] == ["Ana", None]
    assert "job_title" not in entry.changes
    event = OutboxEvent.objects.get(name="customer.deleted", aggregate_id=str(pk))
    assert event.actor_id == owner.pk and event.payload["id"] == pk


def test_delete_without_expected_version_refuses_a_stale_copy(owner):
    stale = _fresh(make_customer(owner, name="Ana"))
    current = _fresh(stale)
    current.job_title = "Buyer"
    with transaction.atomic():
        persistence.update(current, actor=owner, expected_version=1)
    with pytest.raises(StaleVersion), transaction.atomic():
        persistence.delete(stale, actor=owner, expected_version=None)
    assert Customer.objects.filter(pk=stale.pk).exists()


def test_delete_removes_only_its_own_record(owner):
    mine, other = make_customer(owner, name="Ana"), make_customer(owner, name="Bia")
    with transaction.atomic():
        persistence.delete(_fresh(mine), actor=owner, expected_version=1)
    assert _fresh(other).version == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writer", ["create", "update", "delete"])
def test_every_writer_says_it_needs_a_transaction(owner, writer):
    customer = _fresh(make_customer(owner, name="Ana"))
    calls = {
        "create": lambda: persistence.create(Customer(name="Bia"), actor=owner),
        "update": lambda: persistence.update(customer, actor=owner, expected_version=1),
        "delete": lambda: persistence.delete(customer, actor=owner, expected_version=1),
    }
    with pytest.raises(
        RuntimeError, match=r"^persistence helpers must run inside transaction\.atomic\(\)$"
    ):
        calls[writer]()
    assert Customer.objects.count() == 1 and AuditEntry.objects.count() == 1
