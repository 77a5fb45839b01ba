"""Idempotency-Key: a retried POST is answered once; reuse and overlap are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.accounts.factories import make_token
from vinculo.core.models import IdempotencyRecord
from vinculo.customers.models import Customer


@pytest.fixture
def h(owner):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(owner)}"}


def create(client, h, body, key="k-1", **extra):
    return client.post(
        "/api/v1/customers",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **h,
        **extra,
    )


def test_same_key_and_body_replays_the_first_answer(client, h):
    first = create(client, h, {"name": "Ana"})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = create(client, h, {"name": "Ana"})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again["ETag"] == first["ETag"] and again["Location"] == first["Location"]
    assert Customer.objects.count() == 1


def test_same_key_other_body_is_refused(client, h):
    assert create(client, h, {"name": "Ana"}).status_code == 201
    reused = create(client, h, {"name": "Bia"})
    assert reused.status_code == 422
    assert reused["Content-Type"] == "application/problem+json"
    assert reused.json()["code"] == "idempotency_key_reused"
    assert list(Customer.objects.values_list("name", flat=True)) == ["Ana"]


def test_same_key_on_another_path_is_a_reuse(client, h, owner):
    assert create(client, h, {"name": "Ana"}).status_code == 201
    task = client.post(
        "/api/v1/tasks",
        {"title": "Call Ana"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
        **h,
    )
    assert task.json()["code"] == "idempotency_key_reused"
    assert not owner.tasks.exists()


def test_key_still_running_is_409(client, h):
    first = create(client, h, {"name": "Ana"})
    assert first.status_code == 201
    # As if the first request had reserved the key and not answered yet.
    IdempotencyRecord.objects.update(status_code=None, response_body=None)
    running = create(client, h, {"name": "Ana"})
    assert running.status_code == 409
    assert running["Content-Type"] == "application/problem+json"
    assert running.json()["code"] == "idempotency_in_progress"
    assert running["Retry-After"]
    assert Customer.objects.count() == 1


def test_abandoned_reservation_is_taken_over(client, h):
    create(client, h, {"name": "Ana"})
    IdempotencyRecord.objects.update(
        status_code=None, response_body=None, created_at=timezone.now() - dt.timedelta(hours=1)
    )
    Customer.objects.all().delete()
    response = create(client, h, {"name": "Ana"})
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert IdempotencyRecord.objects.get().status_code == 201


def test_failed_request_releases_the_key(client, h):
    failed = create(client, h, {"name": ""})
    assert failed.status_code == 422
    assert not IdempotencyRecord.objects.exists()
    fixed = create(client, h, {"name": "Ana"})
    assert fixed.status_code == 201


def test_expired_record_no_longer_replays(client, h, settings):
    create(client, h, {"name": "Ana"})
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS + 5)
    )
    again = create(client, h, {"name": "Ana"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Customer.objects.count() == 2
    assert IdempotencyRecord.objects.get().status_code == 201


def test_keys_belong_to_one_user(client, h, teammate):
    other = {"HTTP_AUTHORIZATION": f"Bearer {make_token(teammate)}"}
    assert create(client, h, {"name": "Ana"}).status_code == 201
    theirs = create(client, other, {"name": "Ana"})
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert Customer.objects.count() == 2


@pytest.mark.parametrize("key", ["", " ", "k" * 201])
def test_invalid_key_is_400(client, h, key):
    response = create(client, h, {"name": "Ana"}, key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Customer.objects.exists()


def test_key_of_200_characters_is_fine(client, h):
    assert create(client, h, {"name": "Ana"}, key="k" * 200).status_code == 201


def test_same_key_with_another_if_match_is_not_a_retry(client, h, owner):
    """Found by the fuzzer: with the key of a successful "done", the same call without
    If-Match (or with another version) replayed the 200 instead of being refused."""
    from tests.timeline.factories import make_task

    task = make_task(owner)
    url = f"/api/v1/tasks/{task.pk}/done"
    done = client.post(url, HTTP_IF_MATCH='"1"', HTTP_IDEMPOTENCY_KEY="done-1", **h)
    assert done.status_code == 200
    retry = client.post(url, HTTP_IF_MATCH='"1"', HTTP_IDEMPOTENCY_KEY="done-1", **h)
    assert retry.status_code == 200 and retry["Idempotent-Replayed"] == "true"
    for other in ({}, {"HTTP_IF_MATCH": '"7"'}):
        refused = client.post(url, HTTP_IDEMPOTENCY_KEY="done-1", **other, **h)
        assert refused.status_code == 422, refused.content
        assert refused.json()["code"] == "idempotency_key_reused"
