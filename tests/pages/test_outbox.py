"""The administrators' page of event deliveries: failed deliveries listed, retried (the
dispatcher then delivers them) or discarded; nobody else may open it."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from vinculo.core import events, jobs
from vinculo.core.models import OutboxDelivery, OutboxEvent
from vinculo.pages import outbox_views

PAGE = reverse("pages:outbox")
RETRY = reverse("pages:outbox_retry")
DISCARD = reverse("pages:outbox_discard")


@pytest.fixture
def consumer(monkeypatch):
    """A consumer of customer events that fails for the customers named in `failing`
    (one attempt and it gives up, so each test needs a single dispatch pass)."""
    monkeypatch.setattr(jobs, "MAX_ATTEMPTS", 1)

    class Recorder:
        def __init__(self) -> None:
            self.seen: list[str] = []
            self.failing: dict[str, str] = {}

        def __call__(self, event: OutboxEvent) -> None:
            name = event.payload["changes"]["name"][1]
            if name in self.failing:
                raise RuntimeError(self.failing[name])
            self.seen.append(name)

    recorder = Recorder()
    key = events.register_consumer("customer.created", recorder, key="crm.recorder")
    yield recorder
    events.unregister_consumer(key)


def failed_delivery(owner, consumer, name: str, error: str) -> OutboxDelivery:
    consumer.failing[name] = error
    customer = make_customer(owner, name=name)
    jobs.dispatch_pending()
    return OutboxDelivery.objects.get(
        event__aggregate_id=str(customer.pk), event__name="customer.created"
    )


def delivery_rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="delivery-(\d+)">', html)]


def test_only_administrators_open_it(client, owner, consumer):
    delivery = failed_delivery(owner, consumer, "Ana", "refused")
    assert client.get(PAGE).status_code == 302  # sign in first
    manager = make_user("manager", username="boss")
    for user in (owner, manager):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        for url in (RETRY, DISCARD):
            assert client.post(url, {"delivery": delivery.pk}).status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "failed"  # nothing changed


def test_the_settings_hub_links_it_for_administrators(client, admin):
    client.force_login(admin)
    html = client.get(reverse("accounts:settings")).content.decode()
    assert f'<a href="{PAGE}">Event deliveries</a>' in html


def test_admin_sees_a_failure_retries_it_and_the_dispatcher_delivers_it(
    client, admin, owner, consumer
):
    delivery = failed_delivery(owner, consumer, "Ana", "mail server said no")
    client.force_login(admin)

    html = client.get(PAGE).content.decode()
    assert delivery_rows(html) == [delivery.pk]
    row = html[html.index(f'id="delivery-{delivery.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "<code>customer.created</code>" in row
    assert f"customer #{delivery.event.aggregate_id}" in row
    assert "<code>crm.recorder</code>" in row
    assert "RuntimeError: mail server said no" in row
    assert "<td>1</td>" in row  # attempts

    consumer.failing.clear()  # the cause is fixed
    response = client.post(RETRY, {"delivery": delivery.pk}, follow=True)
    assert "1 delivery will be retried within a minute." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == "retry" and delivery.attempts == 0
    assert OutboxEvent.objects.get(pk=delivery.event_id).processed_at is None
    assert delivery_rows(response.content.decode()) == []

    jobs.dispatch_pending()
    delivery.refresh_from_db()
    assert delivery.status == "done" and consumer.seen == ["Ana"]


def test_admin_discards_one_and_it_is_never_delivered(client, admin, owner, consumer):
    keep = failed_delivery(owner, consumer, "Ana", "down")
    drop = failed_delivery(owner, consumer, "Bia", "down")
    client.force_login(admin)

    response = client.post(DISCARD, {"delivery": drop.pk}, follow=True)
    html = response.content.decode()
    assert "1 failed delivery was discarded." in html
    assert delivery_rows(html) == [keep.pk]
    assert not OutboxDelivery.objects.filter(pk=drop.pk).exists()
    consumer.failing.clear()
    jobs.dispatch_pending()
    assert consumer.seen == []  # discarded: Bia's event is not delivered again


def test_selected_and_all_failed(client, admin, owner, consumer):
    a, b, c = (failed_delivery(owner, consumer, n, "down") for n in ("Ana", "Bia", "Caio"))
    client.force_login(admin)

    client.post(RETRY, {"ids": [a.pk, c.pk]})
    assert dict(OutboxDelivery.objects.values_list("pk", "status")) == {
        a.pk: "retry",
        b.pk: "failed",
        c.pk: "retry",
    }
    html = client.post(RETRY, {}, follow=True).content.decode()
    assert "Choose the failed deliveries first." in html
    client.post(DISCARD, {"all": "1"})
    assert set(OutboxDelivery.objects.values_list("pk", flat=True)) == {a.pk, c.pk}
    html = client.post(DISCARD, {"all": "1"}, follow=True).content.decode()
    assert "Nothing to discard" in html


def test_retry_and_discard_take_post_only(client, admin):
    client.force_login(admin)
    assert client.get(RETRY).status_code == 405
    assert client.get(DISCARD).status_code == 405


def test_error_text_is_escaped(client, admin, owner, consumer):
    failed_delivery(owner, consumer, "Ana", '<script>alert("x")</script>')
    client.force_login(admin)
    html = client.get(PAGE).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_summary_per_consumer(client, admin, owner, consumer):
    failed_delivery(owner, consumer, "Ana", "down")
    make_customer(owner, name="Bia")
    make_customer(owner, name="Caio")
    jobs.dispatch_pending()
    make_customer(owner, name="Davi")  # not dispatched yet
    client.force_login(admin)
    html = client.get(PAGE).content.decode()
    table = html[html.index('id="outbox-consumers"') :]
    cells = re.findall(r"<td>([^<]*)</td>", table[: table.index("</table>")])
    assert cells == ["2", "0", "1"]  # delivered, failing, failed
    pending = html[html.index('id="outbox-pending"') :]
    assert "Events waiting for delivery: <b>1</b>" in pending


def test_failing_deliveries_have_their_own_list(client, admin, owner, consumer, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_ATTEMPTS", 5)
    delivery = failed_delivery(owner, consumer, "Ana", "busy")
    assert delivery.status == "retry"
    client.force_login(admin)
    assert delivery_rows(client.get(PAGE).content.decode()) == []
    html = client.get(PAGE, {"status": "retry"}).content.decode()
    assert delivery_rows(html) == [delivery.pk]
    assert 'name="delivery"' not in html  # it retries by itself: no buttons


def test_pages_by_cursor_without_counting_the_table(client, admin, owner, consumer, monkeypatch):
    monkeypatch.setattr(outbox_views, "PAGE_SIZE", 2)
    a, b, c = (failed_delivery(owner, consumer, n, "down") for n in ("Ana", "Bia", "Caio"))
    client.force_login(admin)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(PAGE).content.decode()
    assert delivery_rows(first) == [c.pk, b.pk]
    for query in queries.captured_queries:
        sql = query["sql"].upper()
        assert "OFFSET" not in sql
        if "COUNT(" in sql:
            assert "LIMIT" in sql, sql  # bounded counts only
    next_link = re.search(r'href="\?status=failed&amp;cursor=([^"]+)">Next', first)
    assert next_link
    second = client.get(PAGE, {"status": "failed", "cursor": next_link.group(1)})
    assert delivery_rows(second.content.decode()) == [a.pk]
    broken = client.get(PAGE, {"cursor": "not-a-cursor"}, follow=True).content.decode()
    assert "The page link is invalid or out of date." in broken
