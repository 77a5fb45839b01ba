"""External ids are unique per source: a re-delivery returns the first interaction (200), a
clash is refused (409 external_id_conflict) without saying anything about the other record,
and racing deliveries get one 201 and the rest the same interaction."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client

from tests.accounts.factories import make_token, make_user
from tests.customers.factories import make_customer
from vinculo.core.errors import NotAllowed
from vinculo.timeline.models import Interaction
from vinculo.timeline.services import (
    DEFAULT_SOURCE,
    InteractionData,
    log_interaction,
    record_interaction,
)

URL = "/api/v1/interactions"


@pytest.fixture
def customer(owner):
    return make_customer(owner, name="Ana")


def post(client, token, body):
    return client.post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def body(customer, **extra):
    return {
        "customer": customer.pk,
        "channel": "email",
        "subject": "Hello",
        "external_id": "<m-1@example.com>",
        **extra,
    }


def test_a_redelivery_returns_the_first_interaction(client, owner, customer):
    token = make_token(owner)
    first = post(client, token, body(customer, source="imap:sales@example.com"))
    again = post(client, token, body(customer, source="imap:sales@example.com", subject="Re"))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["subject"] == "Hello"
    assert "Location" not in again
    assert Interaction.objects.count() == 1


def test_without_a_source_the_api_source_is_used(client, owner, customer):
    token = make_token(owner)
    first = post(client, token, body(customer))
    assert first.status_code == 201 and first.json()["source"] == DEFAULT_SOURCE == "api"
    explicit = post(client, token, body(customer, source="api"))
    assert explicit.status_code == 200 and explicit.json()["id"] == first.json()["id"]
    plain = post(client, token, {"customer": customer.pk, "channel": "call", "subject": "Hi"})
    assert plain.json()["source"] == "" and plain.json()["external_id"] == ""


def test_one_id_in_two_sources_is_two_interactions(client, owner, customer):
    token = make_token(owner)
    sales = post(client, token, body(customer, source="imap:sales@example.com"))
    support = post(client, token, body(customer, source="imap:support@example.com"))
    assert sales.status_code == support.status_code == 201
    assert sales.json()["id"] != support.json()["id"]


def test_another_team_cannot_block_or_probe_a_source(client, owner, outsider, customer):
    """The outsider reuses the owner's source and id: refused with a code and nothing
    more; their own mailbox is never blocked by the owner's ids."""
    first = post(client, make_token(owner), body(customer, source="imap:sales@example.com"))
    theirs = make_customer(outsider, name="Zé")
    token = make_token(outsider)
    clash = post(client, token, body(theirs, source="imap:sales@example.com"))
    assert clash.status_code == 409
    assert clash["Content-Type"] == "application/problem+json"
    problem = clash.json()
    assert problem["code"] == "external_id_conflict"
    assert problem["type"].endswith("/external_id_conflict")
    text = clash.content.decode()
    assert "Ana" not in text and str(first.json()["id"]) not in text and "Hello" not in text
    own = post(client, token, body(theirs, source="imap:north@example.com"))
    assert own.status_code == 201
    assert Interaction.objects.count() == 2


def test_the_same_id_about_another_customer_or_channel_is_a_conflict(client, owner, customer):
    token = make_token(owner)
    post(client, token, body(customer))
    other = make_customer(owner, name="Bia")
    assert post(client, token, body(other)).status_code == 409
    assert post(client, token, body(customer, channel="call")).status_code == 409
    assert Interaction.objects.count() == 1


def test_another_user_who_may_log_there_gets_the_first_one(client, owner, teammate, customer):
    """A re-delivery through another user's token (a service agent, who logs on every
    customer they read) is still a re-delivery; the service says it logged nothing new.
    A teammate who may not log on the customer is refused before any id is compared."""
    first = post(client, make_token(owner), body(customer))
    data = InteractionData(channel="email", subject="Hello", external_id="<m-1@example.com>")
    with pytest.raises(NotAllowed):
        record_interaction(actor=teammate, customer=customer, data=data)
    service = make_user("service")
    found, created = record_interaction(actor=service, customer=customer, data=data)
    assert found.pk == first.json()["id"] and created is False


def test_log_interaction_keeps_returning_the_first(owner, customer):
    data = InteractionData(channel="email", subject="Hi", source=" voip:acme ", external_id="c-9")
    first = log_interaction(actor=owner, customer=customer, data=data)
    assert first.source == "voip:acme"
    assert log_interaction(actor=owner, customer=customer, data=data).pk == first.pk


def test_sources_and_ids_have_a_length_limit(client, owner, customer):
    token = make_token(owner)
    long_source = post(client, token, body(customer, source="s" * 101))
    assert long_source.status_code == 422
    assert {e["field"] for e in long_source.json()["errors"]} == {"source"}


@pytest.mark.django_db(transaction=True)
def test_ids_logged_before_sources_existed_get_the_api_source():
    """The migration's data step, run on the schema before it: old ids keep deduplicating
    API re-deliveries; an id that was used on two channels keeps both rows."""
    from django.db.migrations.executor import MigrationExecutor

    before = [("timeline", "0003_attachment_file_index")]
    after = [("timeline", "0004_interaction_source")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        owner = make_user("sales")
        customer = old.get_model("customers", "Customer").objects.create(
            name="Ana", sort_name="ana", owner_id=owner.pk
        )
        interaction = old.get_model("timeline", "Interaction")
        rows = {
            (channel, external_id): interaction.objects.create(
                customer_id=customer.pk, channel=channel, external_id=external_id
            ).pk
            for channel, external_id in [("email", "x-1"), ("call", "x-2"), ("sms", "x-2")]
        }
        plain = interaction.objects.create(customer_id=customer.pk, channel="note").pk
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    sources = dict(Interaction.objects.values_list("pk", "source"))
    assert sources == {
        rows[("email", "x-1")]: "api",
        rows[("call", "x-2")]: "api:call",
        rows[("sms", "x-2")]: "api:sms",
        plain: "",
    }


# --- racing deliveries (PostgreSQL: the case that answered 201 four times) ----------------


def _race(bodies: list[dict], tokens: list[str]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(bodies))
    answers: list[tuple[int, dict]] = [(0, {})] * len(bodies)

    def deliver(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            response = post(Client(), tokens[i], bodies[i])
            answers[i] = (response.status_code, response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need a server database"
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_racing_redeliveries_get_one_201_and_the_same_interaction():
    owner = make_user("sales")
    customer = make_customer(owner, name="Ana")
    tokens = [make_token(owner) for _ in range(6)]
    answers = _race([body(customer)] * 6, tokens)
    statuses = Counter(status for status, _answer in answers)
    assert statuses == {201: 1, 200: 5}, answers
    assert len({answer["id"] for _status, answer in answers}) == 1
    assert Interaction.objects.count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_racing_clashes_get_one_201_and_conflicts():
    owner = make_user("sales")
    customers = [make_customer(owner, name=f"C{i}") for i in range(5)]
    tokens = [make_token(owner) for _ in customers]
    answers = _race([body(c) for c in customers], tokens)
    statuses = Counter(status for status, _answer in answers)
    assert statuses == {201: 1, 409: 4}, answers
    assert {a["code"] for s, a in answers if s == 409} == {"external_id_conflict"}
    assert Interaction.objects.count() == 1
