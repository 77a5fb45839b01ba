"""Global search: the top-bar dropdown (htmx) and the full result page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer

HX = {"HTTP_HX_REQUEST": "true"}
SEARCH = "/search/"


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on English text whatever the default language and its catalogues."""
    settings.LANGUAGE_CODE = "en"


def dropdown_names(response) -> list[str]:
    return re.findall(r"<strong>([^<]*)</strong>", response.content.decode())


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(SEARCH + "?q=ana")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_dropdown_lists_matches_with_hints_and_a_see_all_link(client, owner):
    org = make_customer(owner, name="Acme", kind="organization")
    ana = make_customer(
        owner,
        name="Ana Souza",
        emails=["ana@example.com"],
        phones=["11987654321"],
        organization_id=org.pk,
    )
    client.force_login(owner)
    response = client.get(SEARCH + "?q=ana", **HX)
    html = response.content.decode()
    assert "<html" not in html
    assert dropdown_names(response) == ["Ana Souza"]
    assert f'href="/customers/{ana.pk}/"' in html
    assert "Acme" in html and "ana@example.com" in html and "(11) 98765-4321" in html
    assert f'href="{SEARCH}?q=ana"' in html


def test_dropdown_shows_at_most_eight_and_the_page_fifty(client, owner):
    for i in range(12):
        make_customer(owner, name=f"Silva {i:02d}")
    client.force_login(owner)
    assert len(dropdown_names(client.get(SEARCH + "?q=silva", **HX))) == 8
    page = client.get(SEARCH + "?q=silva")
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert page.content.decode().count('<td><a href="/customers/') == 12
    assert 'value="silva"' in page.content.decode()  # the top-bar box keeps the query


def test_short_or_empty_query_gets_a_hint(client, owner):
    make_customer(owner, name="Ana")
    client.force_login(owner)
    for q in ["", "a", "  "]:
        html = client.get(SEARCH + f"?q={q}", **HX).content.decode()
        assert "Type at least 2 characters" in html
    assert "Type at least 2 characters" in client.get(SEARCH).content.decode()


def test_no_match_says_so(client, owner):
    client.force_login(owner)
    html = client.get(SEARCH + "?q=zzzz", **HX).content.decode()
    assert "Nothing found for “zzzz”." in html


def test_html_in_names_and_query_is_escaped(client, owner):
    make_customer(owner, name="<img src=x onerror=alert(1)> Ana")
    client.force_login(owner)
    html = client.get(SEARCH + "?q=ana", **HX).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; Ana" in html
    html = client.get(SEARCH + "?q=<b>zz</b>", **HX).content.decode()
    assert "<b>zz</b>" not in html


def test_teammate_finds_outsider_does_not(client, owner, teammate, outsider):
    make_customer(owner, name="Ana Souza", phones=["11987654321"])
    client.force_login(teammate)
    assert dropdown_names(client.get(SEARCH + "?q=ana", **HX)) == ["Ana Souza"]
    client.force_login(outsider)
    assert dropdown_names(client.get(SEARCH + "?q=ana", **HX)) == []
    assert "Ana Souza" not in client.get(SEARCH + "?q=98765-4321").content.decode()
    client.force_login(make_user("service"))
    assert dropdown_names(client.get(SEARCH + "?q=98765-4321", **HX)) == ["Ana Souza"]


def test_results_page_leads_to_the_next_matches(client, owner, monkeypatch):
    from vinculo.pages import views

    monkeypatch.setattr(views, "SEARCH_PAGE", 3)
    exact = [make_customer(owner, name="Maria Silva") for _ in range(2)]
    make_customer(owner, name="Maria Silvana")
    make_customer(owner, name="Mariana Silvano")
    client.force_login(owner)
    first = client.get(SEARCH + "?q=maria+silva").content.decode()
    assert first.count('<td><a href="/customers/') == 3
    assert f'href="/customers/{exact[0].pk}/"' in first
    link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(SEARCH + link).content.decode()
    assert second.count('<td><a href="/customers/') == 1 and "Mariana Silvano" in second
    assert 'rel="next"' not in second
    damaged = client.get(SEARCH + "?q=maria+silva&group=customers&cursor=xyz").content.decode()
    assert 'class="alert error"' in damaged
