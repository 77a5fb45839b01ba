"""Today in a real browser: lazy widgets arrive after the page, a hidden widget leaves."""

from __future__ import annotations

import pytest

from tests.accounts.factories import PASSWORD, make_team, make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_today_loads_its_widgets_and_hides_the_checklist(page, live_server):
    admin = make_user("administrator", team=make_team("Vendas"), username="ana")
    customer = make_customer(admin, name="Bruno Lima")
    make_interaction(admin, customer, subject="Proposta enviada")
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")

    # Recent activity is lazy: htmx fetches it once the page has loaded.
    page.locator("#recent-activity").get_by_text("Proposta enviada").wait_for()
    checklist = page.locator("#widget-getting_started")
    checklist.wait_for()
    assert checklist.locator("li.done").count() == 2  # customers and a first contact
    checklist.get_by_role("button").click()
    checklist.wait_for(state="detached")
    page.reload()
    # Wait for the lazy widget too: no request may outlive the test (and its database).
    page.locator("#recent-activity").get_by_text("Proposta enviada").wait_for()
    assert page.locator("#widget-getting_started").count() == 0
