"""Editing and deleting a logged interaction, its history, and the timeline's Edit links."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction
from vinculo.core.models import AuditEntry
from vinculo.customers.models import Customer
from vinculo.customers.services import CustomerData, update_customer
from vinculo.timeline import services
from vinculo.timeline.models import Interaction
from vinculo.timeline.services import InteractionData, update_interaction

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    """Assert on English text; keep uploaded files out of ./var."""
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def customer(owner):
    return make_customer(owner, name="Ana")


@pytest.fixture
def call(owner, customer):
    """A call the owner logged yesterday, with seconds in its time and its duration."""
    return make_interaction(
        owner,
        customer,
        channel="call",
        subject="Prices",
        body="Asked for a quote",
        direction="in",
        occurred_at=timezone.now().replace(second=37, microsecond=1234) - dt.timedelta(days=1),
        duration_seconds=125,
        outcome="follow_up",
    )


def edit_url(i: Interaction) -> str:
    return f"/interactions/{i.pk}/edit/"


def delete_url(i: Interaction) -> str:
    return f"/interactions/{i.pk}/delete/"


def shown_values(page: str) -> dict[str, str]:
    """What a browser would post back from the edit form, untouched."""
    start = page.index('id="interaction-form"')
    form = page[start : page.index("</form>", start)]
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) not in ("csrfmiddlewaretoken", "attachments"):
            values[name.group(1)] = html_lib.unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        values[name] = html_lib.unescape(text.removeprefix("\n"))
    return values


def history_section(page: str) -> str:
    return page[page.index('id="history"') :]


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/interactions/1/edit/", "/interactions/1/delete/"])
def test_anonymous_is_sent_to_login(client, db, path):
    for response in (client.get(path), client.post(path, {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_outsider_gets_404_and_changes_nothing(client, call, outsider):
    client.force_login(outsider)
    assert client.get(edit_url(call)).status_code == 404
    assert client.post(edit_url(call), {"subject": "x", "version": "1"}).status_code == 404
    assert client.get(delete_url(call)).status_code == 404
    assert client.post(delete_url(call), {"version": "1"}).status_code == 404
    assert client.get("/interactions/999999/edit/").status_code == 404
    stored = Interaction.objects.get(pk=call.pk)
    assert stored.subject == "Prices" and stored.version == 1


def test_teammate_reads_but_cannot_change_the_owners_interaction(client, call, teammate):
    client.force_login(teammate)
    page = client.get(f"/customers/{call.customer_id}/").content.decode()
    assert "Prices" in page and edit_url(call) not in page
    assert client.get(edit_url(call)).status_code == 403
    response = client.post(edit_url(call), {"channel": "call", "subject": "x", "version": "1"})
    assert response.status_code == 403
    assert client.get(delete_url(call)).status_code == 403
    assert client.post(delete_url(call), {"version": "1"}).status_code == 403
    stored = Interaction.objects.get(pk=call.pk)
    assert stored.subject == "Prices" and stored.version == 1


def test_who_logged_it_may_change_it_while_they_can_read_the_customer(
    client, owner, teammate, admin
):
    """Interaction.permits: the author (customer still readable) or whoever may change the
    customer. A sales teammate logs on a customer of theirs; the customer then goes to the
    owner: the teammate keeps their own entry, not the owner's."""
    customer = make_customer(teammate, name="Bia")
    mine = make_interaction(teammate, customer, subject="Teammate's call")
    update_customer(
        actor=admin,
        customer=Customer.objects.get(pk=customer.pk),
        data=CustomerData(owner_id=owner.pk),
        expected_version=None,
    )
    theirs = make_interaction(owner, Customer.objects.get(pk=customer.pk), subject="Owner's call")
    client.force_login(teammate)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert edit_url(mine) in page and edit_url(theirs) not in page
    assert client.get(edit_url(mine)).status_code == 200
    assert client.get(edit_url(theirs)).status_code == 403
    values = shown_values(client.get(edit_url(mine)).content.decode())
    response = client.post(edit_url(mine), {**values, "subject": "Corrected"})
    assert response.status_code == 302
    assert Interaction.objects.get(pk=mine.pk).subject == "Corrected"
    # The owner changes the customer, so both entries.
    client.force_login(owner)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert edit_url(mine) in page and edit_url(theirs) in page
    assert client.get(edit_url(mine)).status_code == 200


def test_service_agent_edits_what_they_logged_only(client, owner, call, customer):
    agent = make_user("service")
    logged = make_interaction(agent, customer, subject="Support call")
    client.force_login(agent)
    assert client.get(edit_url(logged)).status_code == 200
    assert client.get(delete_url(logged)).status_code == 200
    assert client.get(edit_url(call)).status_code == 403


# --- editing ------------------------------------------------------------------------------


def test_owner_sees_the_current_values_and_the_history(client, owner, call):
    client.force_login(owner)
    response = client.get(edit_url(call))
    page = response.content.decode()
    assert response.status_code == 200
    values = shown_values(page)
    assert values["version"] == "1"
    assert (values["channel"], values["direction"], values["outcome"]) == (
        "call",
        "in",
        "follow_up",
    )
    assert values["subject"] == "Prices" and values["body"] == "Asked for a quote"
    assert values["duration_minutes"] == "2"
    shown = timezone.localtime(call.occurred_at).strftime("%Y-%m-%dT%H:%M")
    assert values["occurred_at"] == shown
    assert 'enctype="multipart/form-data"' in page and 'name="attachments"' in page
    assert f'href="{delete_url(call)}"' in page
    history = history_section(page)
    assert "created" in history and str(owner) in history
    assert "Subject: <code>—</code> → <code>Prices</code>" in history
    assert "Outcome: <code>—</code> → <code>Follow-up needed</code>" in history


def test_owner_edits_and_the_history_shows_only_what_changed(client, owner, call):
    client.force_login(owner)
    values = shown_values(client.get(edit_url(call)).content.decode())
    response = client.post(
        edit_url(call), {**values, "subject": "Prices for 2027", "outcome": "interested"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{call.customer_id}/#interaction-{call.pk}"
    stored = Interaction.objects.get(pk=call.pk)
    assert (stored.subject, stored.outcome, stored.version) == ("Prices for 2027", "interested", 2)
    # Values the form shows rounded (time to the minute, duration in minutes) are kept.
    assert stored.occurred_at == call.occurred_at and stored.duration_seconds == 125
    assert "Interaction saved." in client.get(response["Location"]).content.decode()
    entry = AuditEntry.objects.filter(model="timeline.interaction", action="update").get()
    assert sorted(entry.changes) == ["outcome", "subject"] and entry.via == "web"
    page = client.get(edit_url(call)).content.decode()
    history = history_section(page)
    assert "Subject: <code>Prices</code> → <code>Prices for 2027</code>" in history
    assert "Outcome: <code>Follow-up needed</code> → <code>Interested</code>" in history
    assert "(web)" in history


def test_time_channel_and_duration_can_be_changed_or_cleared(client, owner, call):
    client.force_login(owner)
    values = shown_values(client.get(edit_url(call)).content.decode())
    response = client.post(
        edit_url(call),
        {
            **values,
            "channel": "meeting",
            "occurred_at": "2026-01-10T14:30",
            "duration_minutes": "",
        },
    )
    assert response.status_code == 302
    stored = Interaction.objects.get(pk=call.pk)
    assert stored.channel == "meeting" and stored.duration_seconds is None
    assert stored.occurred_at.isoformat().startswith("2026-01-10T17:30")  # São Paulo, UTC-3
    history = history_section(client.get(edit_url(call)).content.decode())
    assert "Channel: <code>Phone call</code> → <code>Meeting</code>" in history
    assert "Duration: <code>3 min</code> → <code>—</code>" in history
    assert "When: " in history and "2026-01-10" not in history  # localised, not ISO


def test_new_attachments_are_added_and_listed(client, owner, call):
    client.force_login(owner)
    values = shown_values(client.get(edit_url(call)).content.decode())
    upload = SimpleUploadedFile("quote <v2>.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(edit_url(call), {**values, "attachments": [upload]})
    assert response.status_code == 302
    assert [a.name for a in call.attachments.all()] == ["quote <v2>.pdf"]
    page = client.get(edit_url(call)).content.decode()
    assert 'id="interaction-attachments"' in page and "quote &lt;v2&gt;.pdf" in page
    assert "Attachments: <code>—</code> → <code>quote &lt;v2&gt;.pdf</code>" in page


def test_stale_edit_shows_the_current_values_and_saves_nothing(client, owner, call):
    client.force_login(owner)
    values = shown_values(client.get(edit_url(call)).content.decode())
    update_interaction(
        actor=owner,
        interaction=Interaction.objects.get(pk=call.pk),
        data=InteractionData(subject="Someone else's subject"),
        expected_version=1,
    )
    response = client.post(edit_url(call), {**values, "subject": "My subject"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "changed by someone else" in page
    again = shown_values(page)
    assert again["subject"] == "Someone else's subject"
    assert again["version"] == "2"
    stored = Interaction.objects.get(pk=call.pk)
    assert stored.subject == "Someone else's subject" and stored.version == 2


def test_a_stale_edit_lists_what_was_typed_and_the_files_chosen(client, owner, call, tmp_path):
    client.force_login(owner)
    values = shown_values(client.get(edit_url(call)).content.decode())
    update_interaction(
        actor=owner,
        interaction=Interaction.objects.get(pk=call.pk),
        data=InteractionData(subject="Someone else's subject"),
        expected_version=1,
    )
    upload = SimpleUploadedFile("quote.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(
        edit_url(call), {**values, "subject": "My subject", "attachments": [upload]}
    )
    page = response.content.decode()
    assert response.status_code == 409
    notice = page[page.index('id="stale-notice"') : page.index("</dl>")]
    assert "<dt>Subject</dt><dd>My subject</dd>" in notice
    assert "<dt>Add attachments</dt><dd>quote.pdf</dd>" in notice
    # Typed as stored (also "when", which the page shows to the minute only).
    assert "Details" not in notice and "When" not in notice and "Duration" not in notice
    assert shown_values(page)["subject"] == "Someone else's subject"
    assert not Interaction.objects.get(pk=call.pk).attachments.exists()
    assert not any(tmp_path.rglob("*.pdf"))  # MEDIA_ROOT: nothing stored


def test_the_forms_and_the_services_errors_show_at_once(client, owner, call):
    client.force_login(owner)
    values = shown_values(client.get(edit_url(call)).content.decode())
    response = client.post(
        edit_url(call),
        {**values, "duration_minutes": "9999", "occurred_at": "2099-01-01T10:00"},
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "less than or equal to 1440" in str(errors["duration_minutes"])  # the form's
    assert errors["occurred_at"] == ["The date is too far in the future."]  # the service's
    stored = Interaction.objects.get(pk=call.pk)
    assert stored.version == 1 and stored.duration_seconds == 125


def test_edit_racing_a_delete_goes_back_to_the_customer(client, owner, call, monkeypatch):
    client.force_login(owner)
    values = shown_values(client.get(edit_url(call)).content.decode())
    real = services.update_interaction

    def deleted_meanwhile(**kwargs):
        Interaction.objects.filter(pk=call.pk).delete()
        return real(**kwargs)

    monkeypatch.setattr(services, "update_interaction", deleted_meanwhile)
    response = client.post(edit_url(call), {**values, "subject": "Too late"})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{call.customer_id}/#timeline"
    page = client.get(response["Location"]).content.decode()
    assert "This interaction was deleted by someone else." in page
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"subject": "", "body": "  "}, "body", "Write a subject or some details."),
        ({"duration_minutes": "9999"}, "duration_minutes", "less than or equal to 1440"),
        ({"channel": "pigeon"}, "channel", "Select a valid choice."),
        ({"occurred_at": ""}, "occurred_at", "This field is required."),
        ({"occurred_at": "2099-01-01T10:00"}, "occurred_at", "too far in the future"),
        ({"occurred_at": "1899-12-31T23:00"}, "occurred_at", "between the years 1900 and 2200"),
    ],
)
def test_invalid_input_shows_field_errors_and_keeps_the_database(
    client, owner, call, changes, field, message
):
    client.force_login(owner)
    values = shown_values(client.get(edit_url(call)).content.decode())
    response = client.post(edit_url(call), {**values, "subject": "Changed", **changes})
    assert response.status_code == 422
    assert message in str(response.context["form"].errors[field])
    assert message in response.content.decode()
    stored = Interaction.objects.get(pk=call.pk)
    assert (stored.subject, stored.version, stored.duration_seconds) == ("Prices", 1, 125)
    assert not AuditEntry.objects.filter(action="update").exists()


def test_html_is_escaped_in_the_form_and_the_history(client, owner, customer):
    evil = make_interaction(owner, customer, subject="<script>x()</script>", body="<b>b</b>")
    client.force_login(owner)
    page = client.get(edit_url(evil)).content.decode()
    assert "<script>x()" not in page and "<b>b</b>" not in page
    assert 'value="&lt;script&gt;x()&lt;/script&gt;"' in page
    assert "<code>&lt;script&gt;x()&lt;/script&gt;</code>" in history_section(page)


def test_edit_page_queries_do_not_grow_with_the_history(client, owner, call):
    client.force_login(owner)
    few = _queries_for(client, edit_url(call))[0]
    for n in range(10):
        update_interaction(
            actor=owner,
            interaction=Interaction.objects.get(pk=call.pk),
            data=InteractionData(subject=f"Subject {n}"),
            expected_version=None,
        )
    many, page = _queries_for(client, edit_url(call))
    assert many == few <= 10
    assert page.count('class="history-entry"') == 11


# --- deleting -----------------------------------------------------------------------------


def test_delete_asks_then_removes_and_returns_to_the_customer(client, owner, call):
    client.force_login(owner)
    page = client.get(delete_url(call)).content.decode()
    assert "Delete this interaction?" in page and 'name="version" value="1"' in page
    assert Interaction.objects.filter(pk=call.pk).exists()
    response = client.post(delete_url(call), {"version": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{call.customer_id}/#timeline"
    assert not Interaction.objects.filter(pk=call.pk).exists()
    entry = AuditEntry.objects.get(model="timeline.interaction", action="delete")
    assert entry.actor == owner and entry.changes["subject"] == ["Prices", None]
    assert "Interaction deleted." in client.get(response["Location"]).content.decode()


def test_stale_delete_is_refused_and_shows_the_current_version(client, owner, call):
    client.force_login(owner)
    update_interaction(
        actor=owner,
        interaction=Interaction.objects.get(pk=call.pk),
        data=InteractionData(subject="Changed meanwhile"),
        expected_version=1,
    )
    response = client.post(delete_url(call), {"version": "1"})
    page = response.content.decode()
    assert response.status_code == 409 and "changed by someone else" in page
    assert 'name="version" value="2"' in page and "Changed meanwhile" in page
    assert Interaction.objects.filter(pk=call.pk).exists()
    assert client.post(delete_url(call), {}).status_code == 422  # no version: nothing done
    assert Interaction.objects.filter(pk=call.pk).exists()


# --- the timeline's Edit links ------------------------------------------------------------


def test_quick_logged_entry_comes_with_its_edit_link(client, owner, customer):
    client.force_login(owner)
    response = client.post(
        f"/customers/{customer.pk}/log/", {"quick": "note", "body": "Likes tea"}, **HX
    )
    interaction = Interaction.objects.get()
    assert f'href="{edit_url(interaction)}"' in response.content.decode()


def _queries_for(client, url: str, **extra) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("viewer_name", ["owner", "teammate"])
def test_edit_links_cost_no_query_per_entry(client, request, owner, customer, viewer_name):
    viewer = request.getfixturevalue(viewer_name)
    make_interaction(owner, customer, subject="First")
    client.force_login(viewer)
    urls = [(f"/customers/{customer.pk}/", {}), (f"/customers/{customer.pk}/timeline/", HX)]
    few = [_queries_for(client, url, **extra)[0] for url, extra in urls]
    for i in range(14):
        make_interaction(owner, customer, subject=f"Call {i}")
    counted = [_queries_for(client, url, **extra) for url, extra in urls]
    assert [n for n, _ in counted] == few
    links = counted[1][1].count('class="entry-edit"')
    assert links == (15 if viewer_name == "owner" else 0)
