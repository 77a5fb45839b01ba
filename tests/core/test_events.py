"""Domain events as consumers read them: named by the domain, carrying id, version and the
before/after values of what changed (never secrets), and one for every row a delete takes
with it."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction, make_task
from vinculo.accounts.services import set_password
from vinculo.core import events, persistence
from vinculo.core.models import OutboxEvent
from vinculo.customers.models import Customer
from vinculo.customers.services import AddressIn, CustomerData, delete_customer, update_customer
from vinculo.timeline.services import FileIn, set_task_done


def names() -> list[str]:
    return list(OutboxEvent.objects.order_by("id").values_list("name", flat=True))


def test_update_event_carries_id_version_actor_and_before_after(owner):
    customer = make_customer(owner, name="Ana", job_title="Buyer")
    customer = Customer.objects.get(pk=customer.pk)
    update_customer(
        actor=owner,
        customer=customer,
        data=CustomerData(name="Ana Lima", job_title="Owner"),
        expected_version=1,
    )
    event = OutboxEvent.objects.filter(name="customer.updated").get()
    assert event.aggregate == "customers.customer" and event.aggregate_id == str(customer.pk)
    assert event.actor_id == owner.pk
    assert event.payload["id"] == customer.pk and event.payload["version"] == 2
    assert event.payload["changes"]["name"] == ["Ana", "Ana Lima"]
    assert event.payload["changes"]["job_title"] == ["Buyer", "Owner"]
    assert "sort_name" not in event.payload["changes"]  # audit_exclude holds for events
    assert event.payload["fields"] == sorted(event.payload["changes"])


def test_create_and_delete_events_carry_the_values(owner):
    customer = make_customer(owner, name="Ana", emails=["ana@example.com"])
    created = OutboxEvent.objects.get(name="customer.created")
    assert created.payload["version"] == 1
    assert created.payload["changes"]["name"] == [None, "Ana"]
    assert created.payload["changes"]["emails"] == [None, ["ana@example.com"]]

    delete_customer(actor=owner, customer=customer, expected_version=1)
    deleted = OutboxEvent.objects.get(name="customer.deleted")
    assert deleted.payload["id"] == customer.pk and deleted.payload["version"] == 1
    assert deleted.payload["changes"]["name"] == ["Ana", None]


def test_password_changes_never_put_the_hash_in_an_event(owner, admin):
    set_password(actor=admin, user=owner, password="Another-passphrase-9")
    owner.refresh_from_db()
    event = OutboxEvent.objects.get(name="user.updated", aggregate_id=str(owner.pk))
    assert owner.password and owner.password not in str(event.payload)
    assert event.payload["fields"] == ["password"]
    assert event.payload["changes"]["password"][1] != owner.password


def test_tasks_done_and_reopened_have_domain_names(owner):
    task = make_task(owner, title="Call Ana")
    task = set_task_done(actor=owner, task=task, done=True, expected_version=1)
    task = set_task_done(actor=owner, task=task, done=False, expected_version=2)
    assert names() == ["task.created", "task.completed", "task.reopened"]
    completed, reopened = OutboxEvent.objects.filter(name__in=["task.completed", "task.reopened"])
    assert completed.payload["version"] == 2 and reopened.payload["version"] == 3
    before, after = completed.payload["changes"]["done_at"]
    assert before is None and after.startswith(str(task.updated_at.year))
    assert reopened.payload["changes"]["done_at"] == [after, None]


def test_a_new_owner_is_customer_owner_changed_with_before_and_after(owner, teammate, admin):
    customer = make_customer(owner, name="Ana")
    update_customer(
        actor=admin,
        customer=Customer.objects.get(pk=customer.pk),
        data=CustomerData(owner_id=teammate.pk, name="Ana Lima"),
        expected_version=1,
    )
    assert names() == ["customer.created", "customer.owner_changed"]
    event = OutboxEvent.objects.get(name="customer.owner_changed")
    assert event.aggregate_id == str(customer.pk) and event.actor_id == admin.pk
    assert event.payload["id"] == customer.pk and event.payload["version"] == 2
    assert event.payload["changes"]["owner"] == [owner.pk, teammate.pk]
    # One event per change: what changed with the owner is in the same payload.
    assert event.payload["changes"]["name"] == ["Ana", "Ana Lima"]
    assert event.payload["fields"] == sorted(event.payload["changes"])


def test_an_update_keeping_the_owner_stays_customer_updated(owner, admin):
    customer = make_customer(owner, name="Ana")
    update_customer(
        actor=admin,
        customer=Customer.objects.get(pk=customer.pk),
        data=CustomerData(owner_id=owner.pk, name="Ana Lima"),
        expected_version=1,
    )
    assert names() == ["customer.created", "customer.updated"]
    assert "owner" not in OutboxEvent.objects.get(name="customer.updated").payload["changes"]


def test_leaving_a_customer_without_owner_is_an_owner_change(owner, admin):
    customer = make_customer(owner, name="Ana")
    data = CustomerData()
    data.cleared.add("owner")
    update_customer(
        actor=admin,
        customer=Customer.objects.get(pk=customer.pk),
        data=data,
        expected_version=1,
    )
    event = OutboxEvent.objects.get(name="customer.owner_changed")
    assert event.payload["changes"] == {"owner": [owner.pk, None]}


def test_logging_an_interaction_is_interaction_logged(owner):
    customer = make_customer(owner, name="Ana")
    call = make_interaction(owner, customer, channel="call", subject="Prices")
    event = OutboxEvent.objects.get(aggregate="timeline.interaction")
    assert event.name == "interaction.logged"
    assert event.payload["id"] == call.pk and event.payload["version"] == 1
    assert event.payload["customer_id"] == customer.pk and event.payload["channel"] == "call"
    assert event.payload["changes"]["subject"] == [None, "Prices"]
    # Consumers listen by prefix: those of "interaction." hear it as before.
    key = events.register_consumer("interaction.", lambda event: None, key="test-interactions")
    try:
        assert "test-interactions" in [r.key for r in events.registrations_for(event.name)]
    finally:
        events.unregister_consumer(key)


def test_services_may_name_their_events(owner):
    customer = make_customer(owner, name="Ana")
    customer = Customer.objects.get(pk=customer.pk)
    customer.name = "Ana Lima"
    with transaction.atomic():
        persistence.update(customer, actor=owner, expected_version=1, event_name="customer.renamed")
        persistence.delete(customer, actor=owner, expected_version=2, event_name="customer.gone")
    assert names() == ["customer.created", "customer.renamed", "customer.gone"]


def test_a_delete_emits_events_for_what_it_cascades_to(owner, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    customer = make_customer(
        owner,
        name="Ana",
        emails=["ana@example.com"],
        phones=["+55 11 99617-0758"],
        addresses=[AddressIn(line1="Rua A, 1", city="São Paulo")],
    )
    calls = [make_interaction(owner, customer) for _ in range(3)]
    with_file = make_interaction(owner, customer, files=[FileIn("a.txt", b"hello", "text/plain")])
    task = make_task(owner, customer=customer)
    other = make_customer(owner, name="Bia")
    make_interaction(owner, other)  # not deleted: no event for it
    OutboxEvent.objects.all().delete()

    delete_customer(actor=owner, customer=customer, expected_version=customer.version)

    rows = OutboxEvent.objects.order_by("id")
    assert rows[0].name == "customer.deleted"
    deleted = {(e.name, e.payload["id"]) for e in rows[1:]}
    interactions = {("interaction.deleted", i.pk) for i in [*calls, with_file]}
    assert interactions <= deleted and ("task.deleted", task.pk) in deleted
    kinds = sorted({name for name, _id in deleted})
    assert kinds == [
        "address.deleted",
        "attachment.deleted",
        "contactpoint.deleted",
        "interaction.deleted",
        "task.deleted",
    ]
    assert sum(1 for name, _ in deleted if name == "contactpoint.deleted") == 2
    for event in rows[1:]:
        assert event.payload["deleted_with"] == {"model": "customers.customer", "id": customer.pk}
        assert event.actor_id == owner.pk
    by_id = {e.payload["id"]: e for e in rows if e.name == "interaction.deleted"}
    assert by_id[calls[0].pk].payload["version"] == calls[0].version


def test_cascade_events_are_written_in_batches_and_roll_back_with_the_delete(owner, monkeypatch):
    customer = make_customer(owner, name="Ana")
    for _ in range(7):
        make_interaction(owner, customer)
    OutboxEvent.objects.all().delete()
    monkeypatch.setattr(events, "EMIT_BATCH", 3)

    with pytest.raises(RuntimeError), transaction.atomic():
        persistence.delete(customer, actor=owner, expected_version=customer.version)
        assert OutboxEvent.objects.filter(name="interaction.deleted").count() == 7
        raise RuntimeError("the delete's transaction fails")
    assert not OutboxEvent.objects.exists()  # nothing announced for a delete that did not happen

    inserted: list[int] = []
    real_bulk_create = OutboxEvent.objects.bulk_create

    def counting_bulk_create(objs, *args, **kwargs):
        inserted.append(len(objs))
        return real_bulk_create(objs, *args, **kwargs)

    monkeypatch.setattr(OutboxEvent.objects, "bulk_create", counting_bulk_create)
    with transaction.atomic():
        persistence.delete(customer, actor=owner, expected_version=customer.version)
    assert inserted == [3, 3, 1]
    assert OutboxEvent.objects.filter(name="interaction.deleted").count() == 7
