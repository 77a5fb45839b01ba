"""/api/v1/interactions and attachments: visibility, logging rules, dedupe, files, pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.accounts.factories import make_token, make_user
from tests.customers.factories import make_customer
from vinculo.timeline.models import Attachment, Interaction
from vinculo.timeline.services import InteractionData, log_interaction

URL = "/api/v1/interactions"


def auth(user, scope: str = "write") -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(user, scope)}"}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def fields(response) -> dict[str, str]:
    assert response["Content-Type"] == "application/problem+json"
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def log(user, customer, **fields) -> Interaction:
    fields.setdefault("channel", "call")
    fields.setdefault("subject", "Call")
    return log_interaction(actor=user, customer=customer, data=InteractionData(**fields))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def customer(owner):
    return make_customer(owner, name="Ana")


def post(client, user, body, **extra):
    return client.post(URL, body, content_type="application/json", **auth(user), **extra)


# --- list ----------------------------------------------------------------------------------


def test_list_is_limited_to_visible_customers(client, owner, teammate, outsider, customer):
    mine = log(owner, customer)
    theirs = log(outsider, make_customer(outsider, name="Zé"))
    assert ids(client.get(URL, **auth(owner))) == [mine.pk]
    assert ids(client.get(URL, **auth(teammate))) == [mine.pk]
    assert ids(client.get(URL, **auth(outsider))) == [theirs.pk]
    assert ids(client.get(URL, {"customer": customer.pk}, **auth(outsider))) == []


def test_filters(client, owner, customer):
    other = make_customer(owner, name="Bia")
    now = timezone.now()
    old_call = log(owner, customer, occurred_at=now - dt.timedelta(days=10))
    mail_in = log(owner, customer, channel="email", direction="in", occurred_at=now)
    other_call = log(owner, other, occurred_at=now - dt.timedelta(days=1))
    h = auth(owner)
    assert ids(client.get(URL, {"customer": customer.pk}, **h)) == [mail_in.pk, old_call.pk]
    assert ids(client.get(URL, {"channel": "call"}, **h)) == [other_call.pk, old_call.pk]
    assert ids(client.get(URL, {"direction": "in"}, **h)) == [mail_in.pk]
    since = (now - dt.timedelta(days=2)).isoformat()
    until = (now - dt.timedelta(hours=1)).isoformat()
    assert ids(client.get(URL, {"since": since, "until": until}, **h)) == [other_call.pk]
    naive = (now - dt.timedelta(days=20)).replace(tzinfo=None).isoformat()
    assert len(ids(client.get(URL, {"since": naive}, **h))) == 3
    bad = client.get(URL, {"channel": "pigeon"}, **h)
    assert bad.status_code == 422 and "channel" in fields(bad)


def test_keyset_walk_with_equal_timestamps(client, owner, customer):
    when = timezone.now()
    created = {log(owner, customer, occurred_at=when).pk for _ in range(5)}
    created.add(log(owner, customer, occurred_at=when - dt.timedelta(hours=1)).pk)
    seen: list[int] = []
    cursor = ""
    while True:
        body = client.get(URL, {"limit": 2, "cursor": cursor}, **auth(owner)).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 6 and set(seen) == created


def test_list_query_count_is_bounded(client, owner, teammate, customer):
    h = auth(owner)
    extra = make_customer(owner, name="Bia")
    for _ in range(2):
        log(owner, customer, user_ids=[teammate.pk], other_customer_ids=[extra.pk])
    client.get(URL, **h)
    with CaptureQueriesContext(connection) as few:
        assert len(ids(client.get(URL, **h))) == 2
    for _ in range(20):
        log(owner, customer, user_ids=[owner.pk, teammate.pk], other_customer_ids=[extra.pk])
    with CaptureQueriesContext(connection) as many:
        assert len(ids(client.get(URL, **h))) == 22
    assert len(many) == len(few) <= 10


# --- create --------------------------------------------------------------------------------


def test_owner_logs_an_interaction(client, owner, teammate, customer):
    response = post(
        client,
        owner,
        {
            "customer": customer.pk,
            "channel": "meeting",
            "subject": "Kick-off",
            "body": "<b>notes</b>",
            "duration_seconds": 1800,
            "outcome": "interested",
            "users": [teammate.pk],
            "links": [{"model": "customers.customer", "id": customer.pk}],
            "occurred_at": "2026-01-10T10:00:00",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"{URL}/{body['id']}" and response["ETag"] == '"1"'
    assert body["customer"] == {"id": customer.pk, "name": "Ana"}
    assert body["body"] == "<b>notes</b>" and body["users"][0]["id"] == teammate.pk
    assert body["links"] == [{"model": "customers.customer", "id": str(customer.pk)}]
    assert body["created_by"]["id"] == owner.pk
    stored = Interaction.objects.get()
    assert timezone.localtime(stored.occurred_at).hour == 10  # naive = the user's zone


def test_teammate_may_not_log_outsider_gets_a_field_error(
    client, owner, teammate, outsider, customer
):
    body = {"customer": customer.pk, "channel": "call", "subject": "Hi"}
    denied = post(client, teammate, body)
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    hidden = post(client, outsider, body)
    assert hidden.status_code == 422 and "customer" in fields(hidden)
    assert not Interaction.objects.exists()


def test_service_role_logs_on_any_readable_customer(client, customer):
    agent = make_user("service")
    body = {"customer": customer.pk, "channel": "call", "subject": "Support call"}
    assert post(client, agent, body).status_code == 201


def test_validation_errors(client, owner, customer):
    empty = post(client, owner, {"customer": customer.pk, "channel": "call"})
    assert empty.status_code == 422 and "body" in fields(empty)
    bad = post(
        client,
        owner,
        {
            "customer": customer.pk,
            "channel": "call",
            "subject": "x" * 201,
            "duration_seconds": -1,
            "links": [{"model": "nope.thing", "id": 1}],
        },
    )
    assert bad.status_code == 422 and {"subject", "duration_seconds"} <= set(fields(bad))
    link = post(
        client,
        owner,
        {
            "customer": customer.pk,
            "channel": "call",
            "subject": "Hi",
            "links": [{"model": "x.y", "id": "1"}],
        },
    )
    assert link.status_code == 422 and "links.0.model" in fields(link)


def test_external_id_is_logged_once(client, owner, outsider, customer):
    body = {"customer": customer.pk, "channel": "email", "subject": "Hello", "external_id": "m-1"}
    first = post(client, owner, body)
    again = post(client, owner, body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Interaction.objects.count() == 1
    # Someone who cannot see the first one learns nothing about it, and logs nothing.
    theirs = make_customer(outsider, name="Zé")
    clash = post(client, outsider, {**body, "customer": theirs.pk})
    assert clash.status_code == 409 and clash.json()["code"] == "external_id_conflict"
    assert (
        "Hello" not in clash.content.decode()
        and str(first.json()["id"]) not in clash.content.decode()
    )
    # Their own source (their mailbox) never competes with the first one's.
    own = post(
        client, outsider, {**body, "customer": theirs.pk, "source": "imap:north@example.com"}
    )
    assert own.status_code == 201 and own.json()["source"] == "imap:north@example.com"
    assert first.json()["source"] == "api"


def test_hidden_other_customers_are_not_named(client, owner, teammate, customer):
    admin = make_user("administrator")
    stranger = make_customer(make_user("sales"), name="Secret Person")
    interaction = log(admin, customer, other_customer_ids=[stranger.pk])
    body = client.get(f"{URL}/{interaction.pk}", **auth(teammate)).json()
    assert body["other_customers"] == []
    assert client.get(f"{URL}/{interaction.pk}", **auth(admin)).json()["other_customers"] == [
        {"id": stranger.pk, "name": "Secret Person"}
    ]


# --- read, edit, delete --------------------------------------------------------------------


def test_read_edit_delete_with_etags(client, owner, teammate, outsider, customer):
    interaction = log(owner, customer)
    url = f"{URL}/{interaction.pk}"
    assert client.get(url, **auth(teammate))["ETag"] == '"1"'
    assert client.get(url, **auth(outsider)).status_code == 404
    body = {"subject": "Changed"}
    h = auth(owner)
    assert client.patch(url, body, content_type="application/json", **h).status_code == 428
    denied = client.patch(
        url, body, content_type="application/json", HTTP_IF_MATCH='"1"', **auth(teammate)
    )
    assert denied.status_code == 403
    hidden = client.patch(
        url, body, content_type="application/json", HTTP_IF_MATCH='"1"', **auth(outsider)
    )
    assert hidden.status_code == 404
    done = client.patch(url, body, content_type="application/json", HTTP_IF_MATCH='"1"', **h)
    assert done.status_code == 200 and done.json()["subject"] == "Changed"
    assert done["ETag"] == '"2"'
    stale = client.patch(url, body, content_type="application/json", HTTP_IF_MATCH='"1"', **h)
    assert stale.status_code == 412
    assert client.delete(url, HTTP_IF_MATCH='"2"', **auth(teammate)).status_code == 403
    assert client.delete(url, HTTP_IF_MATCH='"2"', **h).status_code == 204
    assert not Interaction.objects.exists()


# --- attachments ---------------------------------------------------------------------------


def upload(client, user, interaction, content=b"hello", name="notes.txt", **extra):
    return client.post(
        f"{URL}/{interaction.pk}/attachments",
        {"file": SimpleUploadedFile(name, content, "text/plain")},
        **auth(user),
        **extra,
    )


def test_attachment_upload_and_download(client, owner, teammate, outsider, customer):
    interaction = log(owner, customer)
    response = upload(client, owner, interaction)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "notes.txt" and body["size"] == 5
    download = client.get(body["url"], **auth(teammate))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"hello"
    assert download["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download["Content-Security-Policy"]
    assert client.get(body["url"], **auth(outsider)).status_code == 404
    listed = client.get(f"{URL}/{interaction.pk}", **auth(owner)).json()
    assert listed["attachments"][0]["id"] == body["id"] and listed["version"] == 2


def test_attachment_rules(client, owner, teammate, outsider, customer, settings):
    interaction = log(owner, customer)
    assert upload(client, teammate, interaction).status_code == 403
    assert upload(client, outsider, interaction).status_code == 404
    read_only = client.post(
        f"{URL}/{interaction.pk}/attachments",
        {"file": SimpleUploadedFile("a.txt", b"x")},
        **auth(owner, scope="read"),
    )
    assert read_only.status_code == 403 and read_only.json()["code"] == "token_read_only"
    missing = client.post(f"{URL}/{interaction.pk}/attachments", {}, **auth(owner))
    assert missing.status_code == 422 and "file" in fields(missing)
    settings.ATTACHMENT_MAX_BYTES = 10
    big = upload(client, owner, interaction, content=b"x" * 11)
    assert big.status_code == 413 and big.json()["code"] == "file_too_large"
    assert big.json()["errors"][0]["field"] == "file"
    assert not Attachment.objects.exists()


def test_attachment_upload_is_idempotent(client, owner, customer):
    interaction = log(owner, customer)
    first = upload(client, owner, interaction, HTTP_IDEMPOTENCY_KEY="up-1")
    again = upload(client, owner, interaction, HTTP_IDEMPOTENCY_KEY="up-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    other = upload(client, owner, interaction, content=b"other", HTTP_IDEMPOTENCY_KEY="up-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Attachment.objects.count() == 1


def test_patch_null_duration_clears_it(client, owner, customer):
    interaction = log(owner, customer, duration_seconds=300)
    response = client.patch(
        f"{URL}/{interaction.pk}",
        {"duration_seconds": None},
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
        **auth(owner),
    )
    assert response.status_code == 200, response.content
    assert response.json()["duration_seconds"] is None
    assert Interaction.objects.get(pk=interaction.pk).duration_seconds is None


# --- found by the fuzzer (tests/core/test_api_fuzz.py) -------------------------------------


def test_since_and_until_are_iso_datetimes_not_timestamps(client, owner, customer):
    """`until=0.5` was read as 1970-01-01T00:00:00.5Z and answered an empty page."""
    log(owner, customer)
    h = auth(owner)
    for name, value in (("until", "0.5"), ("since", "1700000000"), ("since", "2026-01-01")):
        response = client.get(URL, {name: value}, **h)
        assert response.status_code == 422, (name, value)
        assert fields(response) == {name: "Enter a valid date/time."}


def test_logged_values_keep_their_json_type(client, owner, customer):
    """`"duration_seconds": false` was saved as 0 and `"occurred_at": 1700000000` as a
    date in 2023; the description says integer and ISO date-time."""
    response = post(
        client,
        owner,
        {
            "customer": customer.pk,
            "channel": "call",
            "subject": "Hi",
            "duration_seconds": False,
            "occurred_at": 1700000000,
        },
    )
    assert response.status_code == 422
    assert fields(response) == {
        "duration_seconds": "Enter a whole number.",
        "occurred_at": "Enter a valid date/time.",
    }
    assert not Interaction.objects.exists()
    spec = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    patch_fields = spec["InteractionPatch"]["properties"]
    for name in ("channel", "direction", "occurred_at"):  # null is refused: not offered
        assert "anyOf" not in patch_fields[name], name
    assert {"type": "null"} in patch_fields["duration_seconds"]["anyOf"]  # null clears it


def test_upload_without_a_multipart_boundary_is_a_bad_request(client, owner, customer):
    """Reading the files of a form-data body without a boundary raised: 500."""
    interaction = log(owner, customer)
    response = client.generic(
        "POST",
        f"{URL}/{interaction.pk}/attachments",
        b"hello",
        content_type="multipart/form-data",
        **auth(owner),
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
    assert not Attachment.objects.exists()


def test_download_is_described_with_the_type_of_the_file(client, owner, customer):
    """The description promised application/octet-stream; a file comes with its own type."""
    spec = client.get("/api/v1/openapi.json").json()
    answer = spec["paths"]["/api/v1/attachments/{id}"]["get"]["responses"]["200"]
    assert list(answer["content"]) == ["*/*"]
    body = upload(client, owner, log(owner, customer)).json()
    assert client.get(body["url"], **auth(owner))["Content-Type"] == "text/plain"
