"""/api/v1/tasks: visibility by assignee, filters, keyset pages, done/reopen with If-Match."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.accounts.factories import make_token, make_user
from tests.customers.factories import make_customer
from vinculo.timeline.models import Task
from vinculo.timeline.services import TaskData, create_task

URL = "/api/v1/tasks"


def auth(user, scope: str = "write") -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(user, scope)}"}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def fields(response) -> dict[str, str]:
    assert response["Content-Type"] == "application/problem+json"
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def task(user, title: str = "Call back", **fields) -> Task:
    return create_task(actor=user, data=TaskData(title=title, **fields))


def test_list_visibility_and_filters(client, owner, teammate, outsider):
    customer = make_customer(owner, name="Ana")
    mine = task(owner, customer_id=customer.pk)
    theirs = task(teammate, title="Teammate's")
    hidden = task(outsider, title="Outsider's")
    h = auth(owner)
    assert ids(client.get(URL, **h)) == [theirs.pk, mine.pk]
    assert ids(client.get(URL, {"assignee": "me"}, **h)) == [mine.pk]
    assert ids(client.get(URL, {"assignee": teammate.pk}, **h)) == [theirs.pk]
    assert ids(client.get(URL, {"customer": customer.pk}, **h)) == [mine.pk]
    assert ids(client.get(URL, **auth(teammate))) == [theirs.pk, mine.pk]
    assert ids(client.get(URL, **auth(outsider))) == [hidden.pk]
    assert ids(client.get(URL, {"assignee": owner.pk}, **auth(outsider))) == []
    bad = client.get(URL, {"assignee": "someone", "status": "later"}, **h)
    assert bad.status_code == 422 and {"assignee", "status"} <= set(fields(bad))


def test_status_filter(client, owner):
    open_task = task(owner)
    done_task = task(owner, title="Done")
    h = auth(owner)
    done = client.post(f"{URL}/{done_task.pk}/done", HTTP_IF_MATCH='"1"', **h)
    assert done.status_code == 200 and done.json()["is_done"] is True
    assert ids(client.get(URL, **h)) == [open_task.pk]
    assert ids(client.get(URL, {"status": "done"}, **h)) == [done_task.pk]
    assert ids(client.get(URL, {"status": "all"}, **h)) == [done_task.pk, open_task.pk]


def test_keyset_walk_and_query_count(client, owner):
    customer = make_customer(owner, name="Ana")
    created = {task(owner, title=f"T{n}", customer_id=customer.pk).pk for n in range(7)}
    h = auth(owner)
    client.get(URL, **h)
    seen: list[int] = []
    cursor = ""
    while True:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(URL, {"limit": 3, "cursor": cursor}, **h).json()
        assert len(queries) <= 5
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7 and set(seen) == created
    with CaptureQueriesContext(connection) as everything:
        assert len(ids(client.get(URL, **h))) == 7
    assert len(everything) <= 5


def test_create_assigns_to_the_caller_by_default(client, owner, teammate, outsider):
    customer = make_customer(owner, name="Ana")
    response = client.post(
        URL,
        {"title": "Send proposal", "due_date": "2030-01-31", "customer": customer.pk},
        content_type="application/json",
        **auth(owner),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["ETag"] == '"1"' and response["Location"] == f"{URL}/{body['id']}"
    assert body["assignee"]["id"] == owner.pk and body["customer"]["name"] == "Ana"
    assert body["is_done"] is False and body["priority"] == "normal"
    for_teammate = client.post(
        URL,
        {"title": "Help", "assignee": teammate.pk},
        content_type="application/json",
        **auth(owner),
    )
    assert for_teammate.json()["assignee"]["id"] == teammate.pk
    refused = client.post(
        URL,
        {"title": "Nope", "assignee": outsider.pk, "customer": customer.pk},
        content_type="application/json",
        **auth(outsider),
    )
    assert refused.status_code == 422 and set(fields(refused)) == {"customer"}
    missing = client.post(
        URL, {"priority": "urgent"}, content_type="application/json", **auth(owner)
    )
    assert missing.status_code == 422 and set(fields(missing)) == {"title", "priority"}


def test_read_edit_done_reopen_delete(client, owner, teammate, outsider):
    t = task(owner)
    url = f"{URL}/{t.pk}"
    h = auth(owner)
    assert client.get(url, **auth(teammate))["ETag"] == '"1"'
    assert client.get(url, **auth(outsider)).status_code == 404
    edit = {"title": "Call back tomorrow", "due_date": None}
    assert client.patch(url, edit, content_type="application/json", **h).status_code == 428
    denied = client.patch(
        url, edit, content_type="application/json", HTTP_IF_MATCH='"1"', **auth(teammate)
    )
    assert denied.status_code == 403
    changed = client.patch(url, edit, content_type="application/json", HTTP_IF_MATCH='"1"', **h)
    assert changed.status_code == 200 and changed.json()["title"] == "Call back tomorrow"
    assert changed["ETag"] == '"2"'
    assert client.post(f"{url}/done", **h).status_code == 428
    assert client.post(f"{url}/done", HTTP_IF_MATCH='"1"', **h).status_code == 412
    assert client.post(f"{url}/done", HTTP_IF_MATCH='"2"', **auth(teammate)).status_code == 403
    done = client.post(f"{url}/done", HTTP_IF_MATCH='"2"', **h)
    assert done.json()["done_at"] and done["ETag"] == '"3"'
    reopened = client.post(f"{url}/reopen", HTTP_IF_MATCH='"3"', **h)
    assert reopened.json()["is_done"] is False and reopened.json()["done_at"] is None
    assert client.delete(url, HTTP_IF_MATCH='"4"', **auth(outsider)).status_code == 404
    assert client.delete(url, HTTP_IF_MATCH='"4"', **auth(teammate)).status_code == 403
    assert client.delete(url, HTTP_IF_MATCH='"4"', **h).status_code == 204
    assert not Task.objects.exists()


def test_customer_the_viewer_cannot_see_is_not_named(client, owner):
    admin = make_user("administrator")
    secret = make_customer(make_user("sales"), name="Secret Person")
    t = task(admin, assignee_id=owner.pk, customer_id=secret.pk)
    body = client.get(f"{URL}/{t.pk}", **auth(owner)).json()
    assert body["customer"] is None
    assert "Secret" not in client.get(URL, **auth(owner)).content.decode()


# --- found by the fuzzer (tests/core/test_api_fuzz.py) -------------------------------------


def test_due_date_and_assignee_keep_their_json_type(client, owner):
    """`"due_date": 0` was saved as 1970-01-01 and `"assignee": true` read as user 1; the
    description says ISO date and integer. A whole number written 7.0 is still 7."""
    refused = client.post(
        URL,
        {"title": "Call", "due_date": 0, "assignee": True},
        content_type="application/json",
        **auth(owner),
    )
    assert refused.status_code == 422
    assert fields(refused) == {
        "due_date": "Enter a valid date.",
        "assignee": "Enter a whole number.",
    }
    assert not Task.objects.exists()
    created = client.post(
        URL,
        {"title": "Call", "assignee": float(owner.pk)},
        content_type="application/json",
        **auth(owner),
    )
    assert created.status_code == 201 and created.json()["assignee"]["id"] == owner.pk
    spec = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    patch_fields = spec["TaskPatch"]["properties"]
    for name in ("title", "priority", "assignee"):  # null is refused: not offered
        assert "anyOf" not in patch_fields[name], name
    for name in ("due_date", "customer"):  # null clears them
        assert {"type": "null"} in patch_fields[name]["anyOf"], name
