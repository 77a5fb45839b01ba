"""Idempotency-Key: a retried POST is answered once; reuse and overlap are refused."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import sys
import urllib.error
import urllib.request

import pytest
from django.utils import timezone

from tests.accounts.factories import make_token
from tests.core.processes import free_port, vinculo_home
from vinculo.core.api import idempotency
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


def test_a_request_that_lost_its_reservation_undoes_its_write(client, h, monkeypatch):
    """A first request so slow that a retry took its reservation over (after
    ABANDONED_AFTER) must not commit its record as well: its write is rolled back."""
    real_reserve = idempotency.reserve

    def reserve_then_lose_it(user, key, digest):
        record = real_reserve(user, key, digest)
        # Meanwhile a retry takes the reservation over (a new token, committed).
        IdempotencyRecord.objects.filter(pk=record.pk).update(token="the-retry")
        return record

    monkeypatch.setattr(idempotency, "reserve", reserve_then_lose_it)
    slow = create(client, h, {"name": "Ana"})
    assert slow.status_code == 409 and slow.json()["code"] == "idempotency_in_progress"
    assert not Customer.objects.exists()

    # Once the retry has answered, the slow request's client gets that answer.
    monkeypatch.setattr(idempotency, "reserve", real_reserve)
    IdempotencyRecord.objects.all().delete()
    answered = create(client, h, {"name": "Ana"})
    monkeypatch.setattr(idempotency, "reserve", reserve_then_lose_it)
    IdempotencyRecord.objects.update(token="the-retry")
    assert idempotency._lost(IdempotencyRecord.objects.get()).content == answered.content
    assert Customer.objects.count() == 1


def test_a_web_worker_killed_between_write_and_answer_leaves_no_duplicate(tmp_path):
    """A gunicorn worker killed (SIGKILL) at the moment the answer is stored: the retry
    that takes the reservation over once it is abandoned creates the customer once."""
    with vinculo_home(tmp_path) as home:
        token = home.run("token").strip()
        port = free_port()
        home.start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tests.core.harness:crashing_application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "2",
            ],
            "web",
        )
        base = f"http://127.0.0.1:{port}/api/v1"

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/openapi.json", timeout=5) as r:
                    return r.status == 200
            except OSError:
                return False

        def post() -> tuple[int, dict]:
            request = urllib.request.Request(
                f"{base}/customers",
                data=json.dumps({"name": "Ana Crash"}).encode(),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": "crash-1",
                },
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as r:
                    return r.status, dict(r.headers)
            except urllib.error.HTTPError as e:
                return e.code, dict(e.headers)

        home.wait_for(answers, timeout=90, what="gunicorn", log="web")
        (home.path / "crash-armed").touch()
        with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
            post()  # the worker dies before answering
        assert not (home.path / "crash-armed").exists()
        home.wait_for(answers, timeout=90, what="gunicorn's new worker", log="web")

        customers = "SELECT count(*) FROM customers_customer WHERE name = 'Ana Crash'"
        assert post()[0] == 409  # the reservation waits, in case the first is still running
        (created,) = home.sql("SELECT created_at FROM core_idempotencyrecord")[0]
        aged = (
            dt.datetime.fromisoformat(created)
            - idempotency.ABANDONED_AFTER
            - dt.timedelta(seconds=1)
        )
        home.sql("UPDATE core_idempotencyrecord SET created_at = ?", aged.isoformat(" "))

        status, _headers = post()  # the retry takes the abandoned reservation over
        assert status == 201 and home.count(customers) == 1
        status, headers = post()
        assert status == 201 and headers.get("Idempotent-Replayed") == "true"
        assert home.count(customers) == 1


def test_a_request_that_cannot_begin_its_transaction_frees_its_key(client, h, monkeypatch):
    """SQLite busy past its timeout when the request's transaction begins: nothing ran,
    so the key must not wait 5 minutes as "in progress"."""
    from django.db import OperationalError

    class Busy:
        def __enter__(self):
            raise OperationalError("database is locked")

        def __exit__(self, *exc):
            return False

    from django.db import transaction

    blocks: list[str] = []

    class BusySecondTime:
        """django.db.transaction as idempotency.py sees it: its second block is busy."""

        def __getattr__(self, name):
            return getattr(transaction, name)

        def atomic(self, *args, **kwargs):
            blocks.append("atomic")  # the first is the reservation's, the second the request's
            return transaction.atomic(*args, **kwargs) if len(blocks) == 1 else Busy()

    monkeypatch.setattr(idempotency, "transaction", BusySecondTime())
    failed = create(client, h, {"name": "Ana"})
    assert len(blocks) == 2
    assert failed.status_code == 500
    assert not IdempotencyRecord.objects.exists() and not Customer.objects.exists()
    monkeypatch.undo()
    assert create(client, h, {"name": "Ana"}).status_code == 201
