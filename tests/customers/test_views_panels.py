"""The Customer 360 page renders the panels apps register for customers and knows none of
those apps; a panel can also be fetched alone (htmx), so a slow one never holds the page."""

from __future__ import annotations

import pytest

from tests.customers.factories import make_customer
from vinculo.core import extensions as ext

HX = {"HTTP_HX_REQUEST": "true"}
CUSTOMER = "customers.customer"


def probe_context(request, customer):
    return {"name": customer.name}


@pytest.fixture
def probe(test_templates):
    """A panel the way a later app (deals, scores) would add one: only its owner sees it."""
    panel = ext.Panel(
        target=CUSTOMER,
        key="probe",
        title="Probe",
        template="tests/panel.html",
        context=probe_context,
        order=5,
        region="main",
        visible=lambda user, customer: customer.owner_id == user.pk,
    )
    with ext.PANELS.temporarily(panel):
        yield panel


@pytest.fixture
def slow_probe(test_templates):
    panel = ext.Panel(
        target=CUSTOMER,
        key="slow",
        title="Slow scores",
        template="tests/panel.html",
        context=probe_context,
        region="side",
        lazy=True,
    )
    with ext.PANELS.temporarily(panel):
        yield panel


def test_a_registered_panel_shows_in_its_region_in_order(client, owner, probe):
    customer = make_customer(owner, name="Ana <b>")
    client.force_login(owner)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert '<section class="card" id="panel-probe">Probe for Ana &lt;b&gt;</section>' in html
    # order 5 in the right-hand column: before the logbook's quick log and timeline
    assert html.index('id="panel-probe"') < html.index('id="quicklog"')
    assert html.index('id="panel-probe"') < html.index('id="timeline"')


def test_a_panel_the_viewer_may_not_see_is_left_out_and_refused(client, owner, teammate, probe):
    customer = make_customer(owner, name="Ana")
    client.force_login(teammate)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="panel-probe"' not in html and 'id="timeline"' in html
    assert client.get(f"/customers/{customer.pk}/panels/probe/", **HX).status_code == 404


def test_a_lazy_panel_is_a_placeholder_that_htmx_fills(client, owner, slow_probe):
    customer = make_customer(owner, name="Ana")
    client.force_login(owner)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    url = f"/customers/{customer.pk}/panels/slow/"
    assert f'hx-get="{url}" hx-trigger="load" hx-swap="outerHTML"' in html
    assert "Probe for" not in html  # not computed with the page
    assert f'<a href="{url}">' in html  # without JavaScript, a link to the panel's page
    fragment = client.get(url, **HX)
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "Probe for Ana" in fragment.content.decode()
    page = client.get(url).content.decode()
    assert "<html" in page and "Probe for Ana" in page
    assert f'href="/customers/{customer.pk}/"' in page  # back to the customer


def test_panel_urls_check_the_customer_and_the_key(client, owner, outsider, slow_probe):
    customer = make_customer(owner, name="Ana")
    client.force_login(outsider)
    assert client.get(f"/customers/{customer.pk}/panels/slow/", **HX).status_code == 404
    client.force_login(owner)
    assert client.get(f"/customers/{customer.pk}/panels/nope/", **HX).status_code == 404
    assert client.get("/customers/999999/panels/slow/", **HX).status_code == 404
    client.logout()
    assert client.get(f"/customers/{customer.pk}/panels/slow/").status_code == 302


def test_the_timeline_panels_come_through_the_registry(client, owner):
    """The logbook's panels are served by the generic panel URL like any other."""
    customer = make_customer(owner, name="Ana")
    client.force_login(owner)
    tasks = client.get(f"/customers/{customer.pk}/panels/tasks/", **HX).content.decode()
    assert 'id="customer-tasks"' in tasks and 'id="task-new"' in tasks
    timeline = client.get(f"/customers/{customer.pk}/panels/timeline/", **HX).content.decode()
    assert 'id="quicklog-call"' in timeline and 'id="timeline"' in timeline


def test_log_button_is_a_panel_shown_only_to_who_may_log(client, owner, teammate):
    customer = make_customer(owner, name="Ana")
    client.force_login(teammate)
    assert client.get(f"/customers/{customer.pk}/panels/log/", **HX).status_code == 404
    client.force_login(owner)
    html = client.get(f"/customers/{customer.pk}/panels/log/", **HX).content.decode()
    assert f'href="/customers/{customer.pk}/log/"' in html
