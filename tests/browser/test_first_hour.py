"""A new user's first hour in a real browser: pages that fit a phone and a laptop, the
search box as a combobox, and a meeting logged for yesterday landing in its place."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, make_team, make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction
from vinculo.customers.models import CustomFieldDefinition
from vinculo.customers.services import CustomerData, update_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
LONG_URL = (
    "https://example.com/"
    + "very-long-path-segment-without-any-spaces-" * 25
    + "?utm_source="
    + "x" * 200
)


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")  # Today


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_pages_fit_a_phone_and_a_laptop(page, live_server):
    admin = make_user("administrator", username="ana", first_name="Ana")
    team = make_team("Vendas São Paulo — Grandes Contas")
    for i in range(3):
        make_user("sales", team=team, username=f"vendedor.com.um.nome.longo.{i}@example.com")
    CustomFieldDefinition.objects.create(
        key="faturamento_anual_consolidado_do_grupo",
        label="Faturamento anual consolidado do grupo econômico",
        field_type="choice",
        choices=["até R$ 360 mil", "de R$ 360 mil a R$ 4,8 milhões", "acima de R$ 4,8 milhões"],
    )
    customer = make_customer(
        admin,
        name="Distribuidora de Alimentos Araújo & Filhos Comércio Ltda.",
        kind="organization",
        emails=["financeiro.contas.a.pagar@distribuidora-araujo-e-filhos.example.com.br"],
        phones=["(11) 98765-4321"],
        tags=["atacado", "cliente-fiel-desde-2010", "vip"],
        tax_id="11.222.333/0001-81",
    )
    update_customer(
        actor=admin,
        customer=customer,
        data=CustomerData(notes=f"Veja a proposta em {LONG_URL}"),
        expected_version=None,
    )
    make_interaction(admin, customer, channel="note", subject=LONG_URL[:190], body=LONG_URL)
    for i in range(30):
        make_customer(admin, name=f"Cliente {i} da Silva", emails=[f"cliente{i}@example.com"])
    base = live_server.url
    sign_in(page, base, "ana")
    pages = [
        "/",
        "/customers/",
        "/customers/?sort=name",
        f"/customers/{customer.pk}/",
        f"/customers/{customer.pk}/edit/",
        "/search/?q=cliente",
        "/tasks/",
        "/accounts/profile/",
        "/accounts/settings/",
        "/accounts/settings/users/",
        f"/accounts/settings/users/{admin.pk}/",
        "/accounts/settings/teams/",
        "/accounts/settings/roles/",
        "/accounts/settings/fields/",
        "/products/",
    ]
    too_wide = {}
    for size in (PHONE, LAPTOP):
        page.set_viewport_size(size)
        for path in pages:
            page.goto(base + path)
            extra = overflow(page)
            if extra > 0:
                too_wide[(size["width"], path)] = extra
    assert too_wide == {}
    # On a phone the customer list is a stack of cards, each field with its label.
    page.set_viewport_size(PHONE)
    page.goto(base + "/customers/")
    row = page.locator("#customer-list tbody tr").first
    assert row.evaluate("el => getComputedStyle(el).display") == "block"
    labels = row.locator("td[data-label]").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert '"Tipo"' in labels and '"Atualizado em"' in labels
    page.set_viewport_size(LAPTOP)
    page.goto(base + "/customers/")
    row = page.locator("#customer-list tbody tr").first
    assert row.evaluate("el => getComputedStyle(el).display") == "table-row"


def test_the_search_box_is_a_combobox(page, live_server):
    user = make_user("sales", team=make_team("Vendas"), username="marina")
    names = [f"Maria {s}" for s in ("Alves", "Borges", "Costa", "Dias", "Esteves")]
    for name in names:
        make_customer(user, name=name)
    base = live_server.url
    sign_in(page, base, "marina")
    box = page.locator("#global-search")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    page.keyboard.press("/")
    page.keyboard.type("maria")
    page.locator("#search-results [role=option]").first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    status = page.locator("#search-status")
    assert status.get_attribute("role") == "status"
    assert re.search(r"\b5\b", status.text_content())  # "5 customers found", translated
    options = page.locator("#search-results [role=option]")
    assert options.count() == 6  # five people and "see all results"
    seen = []
    for _ in range(6):
        page.keyboard.press("ArrowDown")
        active = box.get_attribute("aria-activedescendant")
        option = page.locator(f"#{active}")
        assert option.get_attribute("aria-selected") == "true"
        seen.append(option.inner_text().strip().split("\n")[0].strip())
    in_order = [t.strip().split("\n")[0].strip() for t in options.all_inner_texts()]
    assert seen == in_order  # every option, top to bottom
    assert sorted(seen[:5]) == names and "resultados" in seen[5]
    assert page.evaluate("document.activeElement.id") == "global-search"  # focus stays
    page.keyboard.press("ArrowDown")  # wraps to the first
    first = page.locator(f"#{box.get_attribute('aria-activedescendant')}")
    assert seen[0] in first.inner_text()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # up from the first wraps to the last: back to the fifth
    fifth = page.locator(f"#{box.get_attribute('aria-activedescendant')}")
    assert seen[4] in fifth.inner_text()
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert page.locator("#search-results [role=option]").count() == 0
    assert box.input_value() == "maria"  # Escape closes the list, keeps the text
    page.keyboard.press("ArrowDown")  # reopens
    page.locator("#search-results [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = page.locator(f"#{box.get_attribute('aria-activedescendant')}").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    assert page.locator("h1").text_content().strip() == second.strip().split("\n")[0].strip()
    # Nothing found is announced too.
    page.locator("#global-search").fill("zzzz")
    # (A locator, not wait_for_function: evaluating a string is eval, which the CSP refuses.)
    expect(page.locator("#search-status")).to_contain_text("zzzz")


def test_a_meeting_logged_for_yesterday_lands_below_todays_entries(page, live_server):
    user = make_user("sales", team=make_team("Vendas"), username="marina")
    customer = make_customer(user, name="Ana Souza")
    now = timezone.now()
    make_interaction(user, customer, channel="call", subject="Ligação de hoje", occurred_at=now)
    make_interaction(
        user,
        customer,
        channel="note",
        subject="Nota de anteontem",
        occurred_at=now - dt.timedelta(days=2),
    )
    base = live_server.url
    sign_in(page, base, "marina")
    page.goto(f"{base}/customers/{customer.pk}/")
    page.locator("#quicklog summary", has_text="reunião").click()
    meeting = page.locator("#quicklog-meeting")
    yesterday = timezone.localtime(now - dt.timedelta(days=1)).replace(hour=10, minute=0)
    meeting.locator("[name=occurred_at]").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    meeting.locator("[name=subject]").fill("Reunião de ontem")
    url_before = page.url
    meeting.locator("button[type=submit]").click()
    page.locator("#timeline").get_by_text("Reunião de ontem").wait_for()
    assert page.url == url_before  # no reload
    subjects = page.locator("#timeline > li.entry .subject").all_text_contents()
    assert [s.strip() for s in subjects] == [
        "Ligação de hoje",
        "Reunião de ontem",
        "Nota de anteontem",
    ]
    # A note logged now goes on top.
    note = page.locator("#quicklog-note")
    page.locator("#quicklog summary", has_text="nota").click()
    note.locator("[name=subject]").fill("Nota de agora")
    note.locator("button[type=submit]").click()
    page.locator("#timeline").get_by_text("Nota de agora").wait_for()
    subjects = page.locator("#timeline > li.entry .subject").all_text_contents()
    assert [s.strip() for s in subjects][:2] == ["Nota de agora", "Ligação de hoje"]
