"""The one write path: versions, audit entries and outbox events happen together or not at all."""

from __future__ import annotations

import pytest
from django.db import transaction

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
