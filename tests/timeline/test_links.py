"""Links from an interaction to another record: only registered linkable types, only records
that exist and that the caller may see (core.links)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.accounts.factories import make_token, make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction, make_task
from vinculo.accounts.models import Team
from vinculo.core.errors import ValidationFailed
from vinculo.core.links import (
    linkable_labels,
    linkable_model,
    register_linkable,
    visible_target,
)
from vinculo.customers.models import Customer
from vinculo.timeline.models import Interaction, InteractionLink, Task
from vinculo.timeline.services import InteractionData, log_interaction

URL = "/api/v1/interactions"


@pytest.fixture
def customer(owner):
    return make_customer(owner, name="Ana")


def post_links(client, user, customer, links):
    body = {"customer": customer.pk, "channel": "call", "subject": "Call", "links": links}
    return client.post(
        URL,
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {make_token(user)}",
    )


def errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_the_registry_lists_customers_tasks_and_interactions():
    assert linkable_labels() == ["customers.customer", "timeline.interaction", "timeline.task"]
    assert linkable_model("Customers.Customer") is Customer
    assert linkable_model("accounts.user") is None


def test_only_models_with_access_rules_may_be_registered():
    with pytest.raises(ImproperlyConfigured):
        register_linkable(Team)
    register_linkable(Customer)  # registering the same model again is harmless
    assert linkable_labels().count("customers.customer") == 1


@pytest.mark.parametrize(
    "model",
    ["accounts.user", "accounts.apitoken", "core.auditentry", "auth.group", "x.y", "nope"],
)
def test_unregistered_types_are_refused(client, owner, customer, model):
    """Before, any installed model was accepted: users, API tokens, the audit trail."""
    response = post_links(client, owner, customer, [{"model": model, "id": str(owner.pk)}])
    assert "links.0.model" in errors(response)
    assert not InteractionLink.objects.exists() and not Interaction.objects.exists()


def test_links_to_records_the_caller_cannot_see_are_refused(
    client, owner, teammate, outsider, customer
):
    far = make_customer(outsider, name="Zé")
    far_task = make_task(outsider, title="Far")
    far_call = make_interaction(outsider, far)
    for link in (
        {"model": "customers.customer", "id": far.pk},
        {"model": "timeline.task", "id": far_task.pk},
        {"model": "timeline.interaction", "id": far_call.pk},
        {"model": "customers.customer", "id": 999999},
        {"model": "customers.customer", "id": "not-a-number"},
    ):
        response = post_links(client, owner, customer, [link])
        assert "links.0.id" in errors(response), link
        # Whether the record exists or is hidden, the answer is the same.
        assert errors(response)["links.0.id"] == "Choose a record you can see."
    assert not InteractionLink.objects.exists()


def test_links_to_visible_records_are_kept_once(client, owner, teammate, customer):
    theirs = make_customer(teammate, name="Bia")  # readable by the owner (same team)
    task = make_task(owner, title="Follow up")
    call = make_interaction(owner, customer)
    response = post_links(
        client,
        owner,
        customer,
        [
            {"model": "customers.customer", "id": theirs.pk},
            {"model": "Timeline.Task", "id": f"{task.pk}"},
            {"model": "timeline.task", "id": task.pk},
            {"model": "timeline.interaction", "id": call.pk},
        ],
    )
    assert response.status_code == 201, response.content
    assert response.json()["links"] == [
        {"model": "customers.customer", "id": str(theirs.pk)},
        {"model": "timeline.task", "id": str(task.pk)},
        {"model": "timeline.interaction", "id": str(call.pk)},
    ]


def test_every_bad_link_is_reported_at_once(owner, outsider, customer):
    far = make_customer(outsider, name="Zé")
    data = InteractionData(
        channel="call",
        subject="Call",
        links=[("accounts.user", "1"), ("customers.customer", str(far.pk))],
    )
    with pytest.raises(ValidationFailed) as refused:
        log_interaction(actor=owner, customer=customer, data=data)
    assert set(refused.value.errors) == {"links.0.model", "links.1.id"}


def test_visible_target(owner, teammate, outsider, customer):
    assert visible_target(teammate, "customers.customer", str(customer.pk)) == customer
    assert visible_target(outsider, "customers.customer", str(customer.pk)) is None
    assert visible_target(owner, "customers.customer", "") is None
    assert visible_target(owner, "accounts.user", str(owner.pk)) is None
    task = make_task(owner)
    assert visible_target(teammate, "timeline.task", task.pk) == Task.objects.get(pk=task.pk)
    assert visible_target(make_user("read_only"), "timeline.task", task.pk) is None
