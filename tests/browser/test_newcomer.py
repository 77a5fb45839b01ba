"""The newcomer's first minutes, in a real browser: sign in, add a customer, log a call,
find the customer again without typing the accent, and switch the interface to Spanish."""

from __future__ import annotations

import re

import pytest

from tests.accounts.factories import PASSWORD, make_team, make_user
from vinculo.customers.models import Customer
from vinculo.timeline.models import Interaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_newcomer_path(page, live_server):
    make_user("sales", team=make_team("Vendas"), username="marina", first_name="Marina")
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "marina")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")  # Today

    page.goto(f"{base}/customers/new/")
    page.fill("#id_name", "João Araújo")
    page.fill("#id_tax_id", "111.444.777-35")
    page.fill("#id_phone_0", "(11) 98765-4321")
    page.fill("#id_email_0", "joao.araujo@example.com.br")
    page.locator("form#customer-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer = Customer.objects.get(name="João Araújo")
    assert customer.tax_id == "11144477735"
    assert customer.contact_points.get(kind="phone").value == "+5511987654321"

    call = page.locator("#quicklog-call")
    call.locator("[name=subject]").fill("Primeira conversa")
    call.locator("[name=body]").fill("Quer uma proposta até sexta.")
    call.locator("[name=duration_minutes]").fill("12")
    url_before = page.url
    call.locator("button[type=submit]").click()
    page.locator("#timeline").get_by_text("Primeira conversa").wait_for()
    assert page.url == url_before  # added through htmx, no reload
    assert Interaction.objects.filter(customer=customer, channel="call").count() == 1

    page.goto(f"{base}/customers/")
    page.keyboard.press("/")
    page.keyboard.type("joao")
    result = page.locator("#search-results a", has_text="João Araújo")
    result.first.wait_for()
    result.first.click()
    page.wait_for_url(re.compile(rf"/customers/{customer.pk}/$"))
    page.locator("#timeline").get_by_text("Primeira conversa").wait_for()

    page.select_option("#language-select", "es")
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Clientes").first.wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
