"""Tasks: my list (overdue first), create/edit, the done toggle, the 360 page's task form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_task
from vinculo.core.models import AuditEntry
from vinculo.timeline.models import Task
from vinculo.timeline.services import TaskData, update_task

HX = {"HTTP_HX_REQUEST": "true"}
MINE = "/tasks/"


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on English text whatever the default language and its catalogues."""
    settings.LANGUAGE_CODE = "en"


def day(offset: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=offset)


def titles(html: str, list_id: str = "my-tasks") -> list[str]:
    start = html.index(f'id="{list_id}"')
    section = html[start : html.index("</ul>", start)]
    return re.findall(r'<span class="title">(?:<s>)?([^<]*)', section)


@pytest.mark.parametrize("path", ["/tasks/", "/tasks/new/", "/tasks/1/edit/"])
def test_anonymous_is_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_cannot_toggle(client, owner):
    task = make_task(owner, title="Call Ana")
    response = client.post(f"/tasks/{task.pk}/done/", {"done": "1", "version": "1"})
    assert response.status_code == 302 and not Task.objects.get(pk=task.pk).is_done


def test_my_tasks_overdue_first_then_by_date_undated_last(client, owner, teammate):
    customer = make_customer(owner, name="Ana <Corp>")
    make_task(owner, title="Undated")
    make_task(owner, title="Next week", due_date=day(7))
    make_task(owner, title="Long overdue", due_date=day(-10), customer=customer)
    make_task(owner, title="Today", due_date=day(0))
    make_task(owner, title="Yesterday", due_date=day(-1))
    make_task(teammate, title="Not mine", due_date=day(-20))
    client.force_login(owner)
    response = client.get(MINE)
    html = response.content.decode()
    assert response.status_code == 200
    assert titles(html) == ["Long overdue", "Yesterday", "Today", "Next week", "Undated"]
    assert html.count('class="badge overdue"') == 2
    assert html.count('class="task overdue"') == 2
    assert f'<a href="/customers/{customer.pk}/">Ana &lt;Corp&gt;</a>' in html
    assert 'aria-current="page"' in html


def test_done_tasks_appear_only_on_request(client, owner):
    done = make_task(owner, title="Finished")
    make_task(owner, title="Pending")
    client.force_login(owner)
    client.post(f"/tasks/{done.pk}/done/", {"done": "1", "version": "1"})
    html = client.get(MINE).content.decode()
    assert titles(html) == ["Pending"] and 'id="done-tasks"' not in html
    html = client.get(MINE + "?done=1").content.decode()
    assert titles(html, "done-tasks") == ["Finished"]


def test_done_toggle_via_htmx_and_back(client, owner):
    task = make_task(owner, title="Call Ana", due_date=day(-1))
    client.force_login(owner)
    response = client.post(f"/tasks/{task.pk}/done/", {"done": "1", "version": "1"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<li id="task-{task.pk}" class="task done"')
    assert "<s>Call Ana</s>" in html and "Reopen" in html and 'name="version" value="2"' in html
    task.refresh_from_db()
    assert task.is_done and task.version == 2
    response = client.post(f"/tasks/{task.pk}/done/", {"done": "0", "version": "2"}, **HX)
    task.refresh_from_db()
    assert not task.is_done and "Done</button>" in response.content.decode()


def test_stale_toggle_shows_the_message_and_the_current_task(client, owner):
    task = make_task(owner, title="Call Ana")
    update_task(
        actor=owner,
        task=Task.objects.get(pk=task.pk),
        data=TaskData(title="Call Ana!"),
        expected_version=1,
    )
    client.force_login(owner)
    response = client.post(f"/tasks/{task.pk}/done/", {"done": "1", "version": "1"}, **HX)
    html = response.content.decode()
    assert "changed by someone else" in html
    assert "Call Ana!" in html and 'name="version" value="2"' in html
    assert not Task.objects.get(pk=task.pk).is_done


def test_toggle_without_htmx_redirects_back(client, owner):
    task = make_task(owner, title="Call Ana")
    client.force_login(owner)
    response = client.post(
        f"/tasks/{task.pk}/done/", {"done": "1", "version": "1", "next": "/tasks/?done=1"}
    )
    assert response.status_code == 302 and response["Location"] == "/tasks/?done=1"
    response = client.post(
        f"/tasks/{task.pk}/done/", {"done": "0", "version": "2", "next": "https://evil.example/"}
    )
    assert response["Location"] == MINE


def test_create_task_page_with_customer_chooser(client, owner, outsider):
    customer = make_customer(owner, name="Ana Souza")
    hidden = make_customer(outsider, name="Ana Hidden")
    client.force_login(owner)
    page = client.get(f"/tasks/new/?customer={customer.pk}").content.decode()
    assert f'name="customer" value="{customer.pk}" checked' in page
    suggestions = client.get("/customers/suggest/?field=customer&customer_q=ana").content.decode()
    assert "Ana Souza" in suggestions and "Ana Hidden" not in suggestions
    response = client.post(
        "/tasks/new/",
        {
            "title": "Send proposal",
            "priority": "high",
            "due_date": day(3).isoformat(),
            "assignee": str(owner.pk),
            "customer": str(customer.pk),
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    task = Task.objects.get()
    assert (task.customer, task.assignee, task.priority) == (customer, owner, "high")
    response = client.post(
        "/tasks/new/", {"title": "Spy", "priority": "normal", "customer": str(hidden.pk)}
    )
    assert response.status_code == 422
    assert "Choose a customer you can see." in response.content.decode()
    assert Task.objects.count() == 1


def test_assignee_choices_are_my_read_scope(client, owner, teammate, outsider):
    client.force_login(owner)
    page = client.get("/tasks/new/").content.decode()
    assert f'<option value="{teammate.pk}"' in page and f'<option value="{outsider.pk}"' not in page
    response = client.post(
        "/tasks/new/", {"title": "x", "priority": "normal", "assignee": str(outsider.pk)}
    )
    assert response.status_code == 422 and not Task.objects.exists()


def test_inline_task_form_on_the_360_page(client, owner):
    customer = make_customer(owner, name="Ana")
    client.force_login(owner)
    response = client.post(
        "/tasks/new/",
        {
            "title": "Follow up <b>",
            "priority": "normal",
            "assignee": str(owner.pk),
            "customer": str(customer.pk),
        },
        **HX,
    )
    html = response.content.decode()
    task = Task.objects.get()
    assert html.lstrip().startswith(f'<li id="task-{task.pk}"')
    assert "Follow up &lt;b&gt;" in html
    assert '<form id="task-new"' in html and 'hx-swap-oob="true"' in html
    assert f'name="customer" value="{customer.pk}"' in html
    response = client.post(
        "/tasks/new/", {"title": " ", "priority": "normal", "customer": str(customer.pk)}, **HX
    )
    assert response["HX-Retarget"] == "#task-new" and response["HX-Reswap"] == "outerHTML"
    assert "This field is required." in response.content.decode()
    assert Task.objects.count() == 1
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert titles(page, "customer-tasks") == [
        "Follow up <b>".replace("<", "&lt;").replace(">", "&gt;")
    ]


def test_edit_task_and_stale_edit(client, owner):
    task = make_task(owner, title="Call Ana", due_date=day(1))
    client.force_login(owner)
    form = client.get(f"/tasks/{task.pk}/edit/").content.decode()
    assert 'value="Call Ana"' in form and 'name="version" value="1"' in form
    response = client.post(
        f"/tasks/{task.pk}/edit/",
        {"title": "Call Ana again", "version": "1", "priority": "high", "due_date": ""},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "Call Ana again" and task.due_date is None and task.version == 2
    response = client.post(
        f"/tasks/{task.pk}/edit/", {"title": "Old tab", "version": "1", "priority": "low"}
    )
    html = response.content.decode()
    assert response.status_code == 409 and "changed by someone else" in html
    assert 'value="Call Ana again"' in html and 'name="version" value="2"' in html
    task.refresh_from_db()
    assert task.title == "Call Ana again"


def test_a_stale_task_edit_keeps_what_was_typed_beside_the_stored_task(client, owner):
    task = make_task(owner, title="Call Ana", due_date=day(1))
    client.force_login(owner)
    update_task(actor=owner, task=task, data=TaskData(title="Call Ana <now>"), expected_version=1)
    response = client.post(
        f"/tasks/{task.pk}/edit/",
        {"title": "Email <Ana>", "version": "1", "priority": "low", "due_date": ""},
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed by someone else" in html
    notice = html[html.index('id="stale-notice"') : html.index("</dl>")]
    assert "<dt>Title</dt><dd>Email &lt;Ana&gt;</dd>" in notice
    assert "<dt>Priority</dt><dd>Low</dd>" in notice
    assert "<dt>Due date</dt><dd>—</dd>" in notice
    assert 'value="Call Ana &lt;now&gt;"' in html and 'name="version" value="2"' in html
    stored = Task.objects.get(pk=task.pk)
    assert (stored.title, stored.priority, stored.due_date) == ("Call Ana <now>", "normal", day(1))


def test_a_task_edit_shows_the_forms_and_the_services_errors_at_once(client, owner, outsider):
    task = make_task(owner, title="Call Ana")
    hidden = make_customer(outsider, name="Not yours")
    client.force_login(owner)
    audit_before = AuditEntry.objects.count()
    response = client.post(
        f"/tasks/{task.pk}/edit/",
        {
            "title": "Call Ana again",
            "version": "1",
            "priority": "high",
            "due_date": "next tuesday",  # the form refuses it
            "customer": str(hidden.pk),  # only the service knows the owner cannot see it
        },
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["due_date"] == ["Enter a valid date."]
    assert errors["customer"] == ["Choose a customer you can see."]
    html = response.content.decode()
    assert "Choose a customer you can see." in html and "Not yours" not in html
    stored = Task.objects.get(pk=task.pk)
    assert (stored.title, stored.version, stored.customer_id) == ("Call Ana", 1, None)
    assert AuditEntry.objects.count() == audit_before


def test_teammate_sees_the_task_on_the_360_but_cannot_change_it(client, owner, teammate):
    customer = make_customer(owner, name="Ana")
    task = make_task(owner, title="Owner's task", customer=customer)
    client.force_login(teammate)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Owner&#x27;s task" in page
    assert f"/tasks/{task.pk}/done/" not in page and f"/tasks/{task.pk}/edit/" not in page
    assert client.get(f"/tasks/{task.pk}/edit/").status_code == 403
    assert client.post(f"/tasks/{task.pk}/done/", {"done": "1", "version": "1"}).status_code == 403
    assert not Task.objects.get(pk=task.pk).is_done
    assert "Owner" not in client.get(MINE).content.decode().split('id="my-tasks"')[1]


def test_outsider_never_sees_the_task(client, owner, outsider):
    task = make_task(owner, title="Secret task")
    client.force_login(outsider)
    assert "Secret task" not in client.get(MINE).content.decode()
    assert client.get(f"/tasks/{task.pk}/edit/").status_code == 404
    assert client.post(f"/tasks/{task.pk}/done/", {"done": "1", "version": "1"}).status_code == 404
    assert not Task.objects.get(pk=task.pk).is_done


def test_task_a_user_created_for_someone_else_stays_reachable(client, owner, team):
    manager = make_user("manager", team=team)
    task = make_task(manager, title="For owner", assignee_id=owner.pk)
    client.force_login(owner)
    assert titles(client.get(MINE).content.decode()) == ["For owner"]
    client.force_login(manager)
    assert client.get(f"/tasks/{task.pk}/edit/").status_code == 200


def test_my_tasks_query_count_is_bounded(client, owner, django_assert_max_num_queries):
    for i in range(20):
        make_task(owner, customer=make_customer(owner, name=f"C{i}"), due_date=day(i - 5))
    client.force_login(owner)
    with django_assert_max_num_queries(8):
        response = client.get(MINE)
    assert len(titles(response.content.decode())) == 20


def test_edit_page_shows_the_task_history_readably(client, owner, outsider, admin):
    from django.utils import formats

    customer = make_customer(owner, name="Ana <Corp>")
    task = make_task(owner, title="Call <Ana>", due_date=day(1), customer=customer)
    client.force_login(owner)
    url = f"/tasks/{task.pk}/edit/"
    response = client.post(
        url,
        {
            "title": "Call Ana again",
            "version": "1",
            "priority": "high",
            "due_date": "",
            "customer": customer.pk,
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    history = page[page.index('id="history"') :]
    assert "updated" in history and "created" in history and str(owner) in history
    assert "Title: <code>Call &lt;Ana&gt;</code> → <code>Call Ana again</code>" in history
    assert "Priority: <code>Normal</code> → <code>High</code>" in history
    shown = formats.date_format(day(1), "SHORT_DATE_FORMAT")
    assert f"Due date: <code>{shown}</code> → <code>—</code>" in history
    assert "Customer: <code>—</code> → <code>Ana &lt;Corp&gt;</code>" in history
    assert "Call <Ana>" not in page
    # A customer the viewer cannot read stays an id, never its name.
    hidden = make_customer(outsider, name="Hidden Corp")
    task = make_task(admin, title="For owner", assignee_id=owner.pk, customer=hidden)
    page = client.get(f"/tasks/{task.pk}/edit/").content.decode()
    history = page[page.index('id="history"') :]
    assert f"Customer: <code>—</code> → <code>#{hidden.pk}</code>" in history
    assert "Hidden Corp" not in page


def test_new_task_page_has_no_history(client, owner):
    client.force_login(owner)
    assert 'id="history"' not in client.get("/tasks/new/").content.decode()


@pytest.mark.parametrize("due_date", ["1899-12-31", "2201-01-01", "0026-03-01"])
def test_a_due_date_outside_the_years_is_refused_as_the_api_does(client, owner, due_date):
    client.force_login(owner)
    page = client.get("/tasks/new/").content.decode()
    assert 'min="1900-01-01"' in page and 'max="2200-12-31"' in page
    response = client.post(
        "/tasks/new/", {"title": "Renew", "priority": "normal", "due_date": due_date}
    )
    assert response.status_code == 422
    message = "Enter a date between the years 1900 and 2200."
    assert response.context["form"].errors["due_date"] == [message]
    assert message in response.content.decode()
    assert not Task.objects.exists()
    task = make_task(owner, title="Call Ana")
    response = client.post(
        f"/tasks/{task.pk}/edit/",
        {"title": "Call Ana", "version": "1", "priority": "normal", "due_date": due_date},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["due_date"] == [message]
    assert Task.objects.get(pk=task.pk).version == 1
