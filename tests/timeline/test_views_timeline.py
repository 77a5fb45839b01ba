"""A customer's timeline: newest first, infinite scroll by keyset pages, channel tabs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction
from vinculo.timeline import views

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on English text whatever the default language and its catalogues."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def customer(owner):
    return make_customer(owner, name="Ana")


@pytest.fixture
def history(owner, customer):
    """Seven calls and notes, one hour apart, newest last created."""
    start = timezone.now() - dt.timedelta(days=1)
    return [
        make_interaction(
            owner,
            customer,
            channel="note" if i % 3 == 0 else "call",
            subject=f"Entry {i}",
            occurred_at=start + dt.timedelta(hours=i),
        )
        for i in range(7)
    ]


def subjects(html: str) -> list[str]:
    return re.findall(r'<div class="subject"><strong>([^<]*)</strong>', html)


def sentinel_url(html: str) -> str | None:
    match = re.search(r'class="sentinel" hx-get="([^"]+)" hx-trigger="revealed"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_anonymous_is_sent_to_login(client, customer):
    response = client.get(f"/customers/{customer.pk}/timeline/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_newest_first_then_the_next_page_when_the_sentinel_is_revealed(
    client, owner, customer, history, monkeypatch
):
    monkeypatch.setattr(views, "TIMELINE_PAGE", 3)
    client.force_login(owner)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert subjects(page) == ["Entry 6", "Entry 5", "Entry 4"]
    next_url = sentinel_url(page)
    assert next_url and "cursor=" in next_url
    second = client.get(next_url, **HX)
    html = second.content.decode()
    assert "<html" not in html and 'id="timeline"' not in html  # items only, appended
    assert subjects(html) == ["Entry 3", "Entry 2", "Entry 1"]
    third = client.get(sentinel_url(html), **HX).content.decode()
    assert subjects(third) == ["Entry 0"]
    assert sentinel_url(third) is None


def test_entries_show_channel_direction_author_duration_and_outcome(client, owner, customer):
    make_interaction(
        owner,
        customer,
        channel="call",
        subject="Pricing",
        body="Line 1\nLine 2",
        direction="in",
        duration_seconds=65 * 60,
        outcome="interested",
    )
    client.force_login(owner)
    html = client.get(f"/customers/{customer.pk}/timeline/", **HX).content.decode()
    entry = html[html.index('class="entry channel-call"') :]
    assert "Phone call" in entry and "Inbound" in entry
    assert f"logged by {owner}" in entry
    assert "1 h 05 min" in entry and "Interested" in entry
    assert "Line 1\nLine 2" in entry


def test_channel_tabs_filter_the_timeline(client, owner, customer, history):
    client.force_login(owner)
    section = client.get(f"/customers/{customer.pk}/timeline/?channel=note", **HX)
    html = section.content.decode()
    assert html.lstrip().startswith('<section id="timeline-section"')
    assert subjects(html) == ["Entry 6", "Entry 3", "Entry 0"]
    assert re.search(r'\?channel=note"[^>]*aria-current="true"', html)
    # The same filter on the 360 page itself (the URL the tab pushes).
    page = client.get(f"/customers/{customer.pk}/?channel=call").content.decode()
    assert subjects(page) == ["Entry 5", "Entry 4", "Entry 2", "Entry 1"]
    empty = client.get(f"/customers/{customer.pk}/timeline/?channel=letter", **HX)
    assert "Nothing on this channel yet." in empty.content.decode()


def test_channel_is_kept_across_pages(client, owner, customer, history, monkeypatch):
    monkeypatch.setattr(views, "TIMELINE_PAGE", 2)
    client.force_login(owner)
    first = client.get(f"/customers/{customer.pk}/timeline/?channel=call", **HX).content.decode()
    assert subjects(first) == ["Entry 5", "Entry 4"]
    url = sentinel_url(first)
    assert "channel=call" in url
    assert subjects(client.get(url, **HX).content.decode()) == ["Entry 2", "Entry 1"]


def test_without_javascript_older_entries_open_as_a_page(
    client, owner, customer, history, monkeypatch
):
    monkeypatch.setattr(views, "TIMELINE_PAGE", 3)
    client.force_login(owner)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    response = client.get(sentinel_url(page))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and "Timeline of Ana" in html
    assert subjects(html) == ["Entry 3", "Entry 2", "Entry 1"]


def test_invalid_cursor_is_explained(client, owner, customer):
    client.force_login(owner)
    html = client.get(f"/customers/{customer.pk}/timeline/?cursor=garbage", **HX).content
    assert "The page link is invalid or out of date." in html.decode()


def test_teammate_and_service_read_it_outsider_gets_404(
    client, owner, teammate, outsider, customer, history
):
    client.force_login(teammate)
    assert "Entry 6" in client.get(f"/customers/{customer.pk}/timeline/", **HX).content.decode()
    client.force_login(make_user("service"))
    assert "Entry 6" in client.get(f"/customers/{customer.pk}/timeline/", **HX).content.decode()
    client.force_login(outsider)
    assert client.get(f"/customers/{customer.pk}/timeline/", **HX).status_code == 404
    assert client.get(f"/customers/{customer.pk}/timeline/?channel=call").status_code == 404


def test_timeline_page_query_count_is_bounded(
    client, owner, customer, history, django_assert_max_num_queries
):
    client.force_login(owner)
    with django_assert_max_num_queries(8):
        client.get(f"/customers/{customer.pk}/timeline/", **HX)
