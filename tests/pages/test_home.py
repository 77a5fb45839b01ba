"""Today (the home page at /): my tasks due, recent activity on my customers, the
getting-started checklist of a new installation, each a widget an app registers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction, make_task
from vinculo.core import extensions as ext
from vinculo.customers.models import CustomFieldDefinition
from vinculo.pages.models import DismissedWidget
from vinculo.timeline.services import set_task_done

HOME = "/"
HX = {"HTTP_HX_REQUEST": "true"}


def widget_url(key: str) -> str:
    return reverse("pages:widget", args=[key])


def task_titles(html: str) -> list[str]:
    return re.findall(r'<span class="title">([^<]*)</span>', html)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_today_is_in_the_nav_and_the_brand_leads_home(client, owner):
    client.force_login(owner)
    html = client.get(HOME).content.decode()
    assert '<a href="/" aria-current="page">Today</a>' in html
    assert '<a class="brand" href="/">' in html
    other = client.get("/customers/").content.decode()
    assert '<a href="/" >Today</a>' in other or '<a href="/">Today</a>' in other


def test_my_overdue_and_due_today_tasks_most_overdue_first(client, owner, teammate):
    today = timezone.localdate()
    customer = make_customer(owner, name="Ana Souza")
    make_task(owner, title="Due today", due_date=today, customer=customer)
    make_task(owner, title="Two days late", due_date=today - dt.timedelta(days=2))
    make_task(owner, title="Tomorrow", due_date=today + dt.timedelta(days=1))
    make_task(owner, title="Someday")
    done = make_task(owner, title="Done already", due_date=today)
    set_task_done(actor=owner, task=done, done=True, expected_version=None)
    make_task(teammate, title="Teammate's", due_date=today)
    client.force_login(owner)
    html = client.get(HOME).content.decode()
    section = html[html.index('id="widget-due_tasks"') :]
    assert task_titles(section) == ["Two days late", "Due today"]
    assert '<span class="badge overdue">Overdue</span>' in section
    assert f'href="/customers/{customer.pk}/">Ana Souza</a>' in section
    assert 'href="/tasks/"' in section  # all my tasks


def test_no_tasks_due_says_what_to_do(client, owner):
    client.force_login(owner)
    html = client.get(HOME).content.decode()
    assert "Nothing due today or overdue." in html
    assert "Plan a follow-up from a customer's page" in html


def test_recent_activity_loads_after_the_page(client, owner, teammate, outsider):
    mine = make_customer(owner, name="Ana Souza")
    theirs = make_customer(teammate, name="Bruno Lima")
    make_interaction(owner, mine, subject="Proposal sent")
    make_interaction(teammate, theirs, subject="Teammate's call")
    make_interaction(
        owner, mine, subject="Too old", occurred_at=timezone.now() - dt.timedelta(days=40)
    )
    client.force_login(owner)
    html = client.get(HOME).content.decode()
    url = widget_url("recent_activity")
    assert f'hx-get="{url}" hx-trigger="load"' in html and "Proposal sent" not in html
    body = client.get(url, **HX).content.decode()
    assert "<html" not in body
    assert "Proposal sent" in body and f'href="/customers/{mine.pk}/#timeline-section"' in body
    assert "Teammate's call" not in body  # only customers I own
    assert "Too old" not in body  # the last 30 days
    assert "customers you own" in body
    client.force_login(outsider)
    body = client.get(url, **HX).content.decode()
    assert "No contacts logged with your customers in the last 30 days." in body
    assert 'href="/customers/"' in body


def test_recent_activity_of_someone_owning_no_customers_is_what_they_may_read(
    client, owner, outsider
):
    customer = make_customer(owner, name="Ana Souza")
    make_interaction(owner, customer, subject="Proposal sent")
    agent = make_user("service")  # reads every customer, owns none
    client.force_login(agent)
    body = client.get(widget_url("recent_activity"), **HX).content.decode()
    assert "Proposal sent" in body and "customers you can see" in body
    other_team = make_user("sales", team=outsider.teams.first())
    client.force_login(other_team)
    body = client.get(widget_url("recent_activity"), **HX).content.decode()
    assert "Proposal sent" not in body


def test_a_widget_alone_without_javascript_is_a_page(client, owner):
    client.force_login(owner)
    page = client.get(widget_url("recent_activity")).content.decode()
    assert "<html" in page and "Recent activity" in page and 'href="/"' in page
    assert client.get(widget_url("nope"), **HX).status_code == 404


def checklist(html: str) -> dict[str, bool]:
    """{item key: done} of the getting-started checklist on the page."""
    return {
        key: state == "done"
        for state, key in re.findall(r'<li class="(done|todo)" id="checklist-([a-z_]+)">', html)
    }


def test_checklist_of_an_empty_installation_ticks_itself_from_real_data(client, admin):
    client.force_login(admin)
    html = client.get(HOME).content.decode()
    assert 'id="widget-getting_started"' in html
    assert checklist(html) == {
        "users": False,
        "custom_fields": False,
        "customers": False,
        "first_interaction": False,
    }
    assert f'href="{reverse("customers:create")}"' in html
    assert f'href="{reverse("accounts:user_create")}"' in html
    make_user("sales")
    CustomFieldDefinition.objects.create(key="size", label="Size", field_type="text")
    customer = make_customer(admin, name="Ana")
    assert checklist(client.get(HOME).content.decode()) == {
        "users": True,
        "custom_fields": True,
        "customers": True,
        "first_interaction": False,
    }
    make_interaction(admin, customer)
    html = client.get(HOME).content.decode()
    assert 'id="widget-getting_started"' not in html  # all done: gone


def test_checklist_shows_each_user_only_the_steps_they_can_take(client, db):
    sales = make_user("sales")
    client.force_login(sales)
    assert list(checklist(client.get(HOME).content.decode())) == ["customers", "first_interaction"]
    client.force_login(make_user("read_only"))
    assert list(checklist(client.get(HOME).content.decode())) == ["first_interaction"]


def test_checklist_can_be_hidden_for_good(client, admin, owner):
    client.force_login(admin)
    dismiss = reverse("pages:dismiss", args=["getting_started"])
    assert f'hx-post="{dismiss}"' in client.get(HOME).content.decode()
    response = client.post(dismiss, **HX)
    assert response.status_code == 200 and response.content == b""
    assert 'id="widget-getting_started"' not in client.get(HOME).content.decode()
    assert client.post(dismiss).status_code == 302  # twice is fine, without JavaScript too
    assert DismissedWidget.objects.filter(user=admin).count() == 1
    client.force_login(owner)  # hidden for the one who hid it only
    assert 'id="widget-getting_started"' in client.get(HOME).content.decode()


def test_only_dismissible_widgets_can_be_hidden(client, owner):
    client.force_login(owner)
    assert client.post(reverse("pages:dismiss", args=["due_tasks"])).status_code == 404
    assert client.post(reverse("pages:dismiss", args=["nope"])).status_code == 404
    assert client.get(reverse("pages:dismiss", args=["getting_started"])).status_code == 405
    assert not DismissedWidget.objects.exists()


@pytest.fixture
def probe_widget(test_templates):
    widget = ext.Widget(
        key="probe",
        title="Probe",
        template="tests/widget.html",
        context=lambda request: {"message": "<hello>"},
        order=1,
        visible=lambda user: user.has_capability("can_use_analytics"),
    )
    with ext.WIDGETS.temporarily(widget):
        yield widget


def test_a_registered_widget_shows_for_who_may_see_it(client, owner, probe_widget):
    client.force_login(owner)
    assert 'id="widget-probe"' not in client.get(HOME).content.decode()
    assert client.get(widget_url("probe"), **HX).status_code == 404
    client.force_login(make_user("analyst"))
    html = client.get(HOME).content.decode()
    assert "Widget says &lt;hello&gt;" in html
    assert html.index('id="widget-probe"') < html.index('id="widget-due_tasks"')


def test_home_is_bounded_and_counts_nothing(client, admin, owner):
    customer = make_customer(owner, name="Ana")
    for i in range(30):
        make_task(owner, title=f"Task {i}", due_date=timezone.localdate(), customer=customer)
        make_interaction(owner, customer, subject=f"Call {i}")
    client.force_login(owner)
    with CaptureQueriesContext(connection) as home:
        html = client.get(HOME).content.decode()
    assert len(task_titles(html)) == 20 and "Showing the most overdue first." in html
    with CaptureQueriesContext(connection) as activity:
        body = client.get(widget_url("recent_activity"), **HX).content.decode()
    assert body.count('<li class="entry') == 10
    for captured, most in ((home, 9), (activity, 6)):
        sql = " ".join(q["sql"].upper() for q in captured.captured_queries)
        assert "COUNT(" not in sql
        assert len(captured.captured_queries) <= most
    client.force_login(admin)
    with CaptureQueriesContext(connection) as admin_home:
        client.get(HOME)
    assert len(admin_home.captured_queries) <= 11  # one EXISTS per checklist step
