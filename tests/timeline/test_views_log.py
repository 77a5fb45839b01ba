"""Logging interactions: the 360 page's quick forms (htmx) and the full form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from vinculo.timeline.models import Interaction

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    """Assert on English text whatever the default language; keep files out of ./var."""
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def customer(owner):
    return make_customer(owner, name="Ana")


def log_url(customer) -> str:
    return f"/customers/{customer.pk}/log/"


def test_anonymous_is_sent_to_login(client, customer):
    for response in [client.get(log_url(customer)), client.post(log_url(customer), {})]:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not Interaction.objects.exists()


def test_quick_call_returns_the_new_entry_and_a_fresh_form(client, owner, customer):
    client.force_login(owner)
    response = client.post(
        log_url(customer),
        {
            "quick": "call",
            "subject": "Asked for <b>prices</b>",
            "body": "Call back\nMonday",
            "duration_minutes": "12",
            "direction": "in",
            "outcome": "follow_up",
        },
        **HX,
    )
    assert response.status_code == 200
    interaction = Interaction.objects.get()
    assert interaction.customer == customer and interaction.created_by == owner
    assert (interaction.channel, interaction.direction) == ("call", "in")
    assert interaction.duration_seconds == 720 and interaction.outcome == "follow_up"
    html = response.content.decode()
    # The entry, escaped, at the end marker of the (empty) timeline: see the tests below.
    assert (
        f'<div hx-swap-oob="beforebegin:#timeline-end"><li id="interaction-{interaction.pk}"'
        in html
    )
    assert "Asked for &lt;b&gt;prices&lt;/b&gt;" in html and "<b>prices</b>" not in html
    assert "12 min" in html and "Call back\nMonday" in html
    # Out-of-band: an empty form replaces the one just sent, key figures are refreshed.
    assert '<form id="quicklog-call"' in html and 'hx-swap-oob="true"' in html
    form = html[html.index('<form id="quicklog-call"') :]
    assert 'name="subject" maxlength="200" id="call_subject">' in form  # no value: reset
    assert '<section id="key-figures"' in html and "<b>1</b> Interactions" in html


def test_quick_note_and_meeting(client, owner, customer):
    client.force_login(owner)
    client.post(log_url(customer), {"quick": "note", "body": "Likes football"}, **HX)
    client.post(
        log_url(customer),
        {
            "quick": "meeting",
            "subject": "Visit",
            "duration_minutes": "60",
            "occurred_at": "2026-01-10T14:30",
        },
        **HX,
    )
    note = Interaction.objects.get(channel="note")
    assert note.direction == "internal" and note.body == "Likes football"
    meeting = Interaction.objects.get(channel="meeting")
    assert meeting.duration_seconds == 3600
    assert meeting.occurred_at.isoformat().startswith("2026-01-10T17:30")  # São Paulo is UTC-3


def test_invalid_quick_log_returns_the_form_with_errors_in_place_and_saves_nothing(
    client, owner, customer
):
    client.force_login(owner)
    response = client.post(
        log_url(customer),
        {"quick": "call", "subject": "", "body": "", "duration_minutes": "-5"},
        **HX,
    )
    assert response.status_code == 200  # htmx 2 swaps only 2xx; retargeted onto the form
    assert response["HX-Retarget"] == "#quicklog-call"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="quicklog-call"')
    assert "errorlist" in html
    response = client.post(log_url(customer), {"quick": "note", "body": "  "}, **HX)
    assert "Write a subject or some details." in response.content.decode()
    assert not Interaction.objects.exists()


def test_without_htmx_the_quick_form_redirects_to_the_360(client, owner, customer):
    client.force_login(owner)
    response = client.post(log_url(customer), {"quick": "note", "body": "Plain POST"})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/#timeline"
    assert Interaction.objects.get().body == "Plain POST"


def test_full_form_with_attachments(client, owner, customer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(owner)
    page = client.get(log_url(customer) + "?channel=email").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'value="email" selected' in page
    response = client.post(
        log_url(customer),
        {
            "channel": "email",
            "direction": "in",
            "occurred_at": "2026-02-01T09:00",
            "subject": "Contract",
            "body": "Signed copy attached",
            "outcome": "",
            "attachments": [
                SimpleUploadedFile(
                    "contract.pdf", b"%PDF-1.4 data", content_type="application/pdf"
                ),
                SimpleUploadedFile("notes.txt", b"hello"),
            ],
        },
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert interaction.channel == "email" and interaction.direction == "in"
    names = sorted(a.name for a in interaction.attachments.all())
    assert names == ["contract.pdf", "notes.txt"]
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "contract.pdf" in html and "/attachments/" in html


def test_full_form_errors_are_shown_and_nothing_is_saved(client, owner, customer):
    client.force_login(owner)
    response = client.post(log_url(customer), {"channel": "pigeon", "subject": "x"})
    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    response = client.post(
        log_url(customer), {"channel": "call", "subject": "", "direction": "out"}
    )
    assert response.status_code == 422
    assert "Write a subject or some details." in response.content.decode()
    assert not Interaction.objects.exists()


def test_teammate_cannot_log_on_a_customer_they_cannot_write(client, customer, teammate):
    client.force_login(teammate)
    assert client.get(log_url(customer)).status_code == 403
    response = client.post(log_url(customer), {"quick": "note", "body": "x"}, **HX)
    assert response.status_code == 403
    assert not Interaction.objects.exists()


def test_service_agent_can_log_on_any_readable_customer(client, customer):
    agent = make_user("service")
    client.force_login(agent)
    response = client.post(log_url(customer), {"quick": "call", "subject": "Support call"}, **HX)
    assert response.status_code == 200
    assert Interaction.objects.get().created_by == agent


def test_outsider_gets_404_and_logs_nothing(client, customer, outsider):
    client.force_login(outsider)
    assert client.get(log_url(customer)).status_code == 404
    assert client.post(log_url(customer), {"quick": "note", "body": "x"}, **HX).status_code == 404
    assert not Interaction.objects.exists()


def test_posts_need_the_csrf_token_htmx_sends_it_from_the_page(owner, customer):
    import re

    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    data = {"quick": "note", "body": "Protected"}
    assert client.post(log_url(customer), data, **HX).status_code == 403
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    response = client.post(log_url(customer), data, HTTP_X_CSRFTOKEN=token, **HX)
    assert response.status_code == 200
    assert Interaction.objects.get().body == "Protected"


def test_a_meeting_dated_yesterday_is_placed_before_the_next_older_entry(client, owner, customer):
    """The quick form swaps nothing itself: the entry goes out of band before the entry
    that follows it in date order, wherever that is on the page."""
    import datetime as dt

    from django.utils import timezone

    from tests.timeline.factories import make_interaction

    now = timezone.now()
    today = make_interaction(owner, customer, subject="today", occurred_at=now)
    older = make_interaction(owner, customer, subject="old", occurred_at=now - dt.timedelta(days=3))
    client.force_login(owner)
    yesterday = timezone.localtime(now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    detail = f"http://testserver/customers/{customer.pk}/"
    response = client.post(
        log_url(customer),
        {"quick": "meeting", "subject": "yesterday", "occurred_at": yesterday},
        HTTP_HX_CURRENT_URL=detail,
        **HX,
    )
    html = response.content.decode()
    new = Interaction.objects.get(subject="yesterday")
    assert (
        f'hx-swap-oob="beforebegin:#interaction-{older.pk}"><li id="interaction-{new.pk}"' in html
    )
    assert f"interaction-{today.pk}" not in html
    # The oldest of all goes at the end of a fully loaded timeline.
    oldest = (now - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    html = client.post(
        log_url(customer),
        {"quick": "meeting", "subject": "oldest", "occurred_at": oldest},
        HTTP_HX_CURRENT_URL=detail,
        **HX,
    ).content.decode()
    assert 'hx-swap-oob="beforebegin:#timeline-end"' in html
    page = client.get(detail).content.decode()
    assert page.index("interaction-") < page.index('id="timeline-end"')


def test_an_entry_of_another_channel_is_not_put_in_a_filtered_timeline(client, owner, customer):
    client.force_login(owner)
    html = client.post(
        log_url(customer),
        {"quick": "note", "body": "hello"},
        HTTP_HX_CURRENT_URL=f"http://testserver/customers/{customer.pk}/?channel=call",
        **HX,
    ).content.decode()
    assert "hello" not in html  # the Calls tab stays calls only
    assert '<section id="key-figures"' in html  # the figures still count it
    html = client.post(
        log_url(customer),
        {"quick": "call", "subject": "ring", "duration_minutes": "1", "direction": "out"},
        HTTP_HX_CURRENT_URL=f"http://testserver/customers/{customer.pk}/?channel=call",
        **HX,
    ).content.decode()
    assert "ring" in html and "beforebegin:#timeline-end" in html


def test_every_error_at_once_on_the_quick_and_the_full_form(client, owner, customer):
    """A bad duration (the form's check) does not hide an empty note (the service's)."""
    client.force_login(owner)
    html = client.post(
        log_url(customer),
        {"quick": "call", "subject": "", "body": "", "duration_minutes": "-5"},
        **HX,
    ).content.decode()
    assert "Write a subject or some details." in html
    assert "Ensure this value is greater than or equal to 0." in html
    response = client.post(
        log_url(customer),
        {"channel": "call", "subject": "", "occurred_at": "not a date", "direction": "out"},
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"occurred_at", "body"}
    assert not Interaction.objects.exists()
