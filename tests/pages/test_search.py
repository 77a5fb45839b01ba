"""Global search renders every group apps register (customers today; deals, tickets later),
in the top-bar dropdown and on the results page. Customers' own cases: tests/customers/
test_views_search.py."""

from __future__ import annotations

import re

import pytest

from tests.customers.factories import make_customer
from vinculo.core import extensions as ext

HX = {"HTTP_HX_REQUEST": "true"}
SEARCH = "/search/"


class Note:
    def __init__(self, title: str) -> None:
        self.title = title


def find_notes(user, q, limit):
    return [Note(f"Note about {q}")][:limit]


@pytest.fixture
def notes_group(test_templates):
    group = ext.SearchGroup(
        key="notes",
        title="Notes",
        search=find_notes,
        template="tests/search_options.html",
        page_template="tests/search_rows.html",
        order=20,
        more_url=lambda q: f"/notes/?q={q}",
    )
    with ext.SEARCH_GROUPS.temporarily(group):
        yield group


def test_each_group_has_its_title_and_results(client, owner, notes_group):
    make_customer(owner, name="Ana Souza")
    client.force_login(owner)
    html = client.get(SEARCH + "?q=ana", **HX).content.decode()
    assert html.index(">Customers</div>") < html.index("<strong>Ana Souza</strong>")
    assert html.index("<strong>Ana Souza</strong>") < html.index(">Notes</div>")
    assert '<a role="option" href="/notes/1/">Note about ana</a>' in html
    assert 'role="group" aria-labelledby="search-group-notes"' in html
    page = client.get(SEARCH + "?q=ana").content.decode()
    assert '<h2 id="search-customers-title">Customers</h2>' in page
    assert '<li class="note">Note about ana</li>' in page
    assert 'href="/notes/?q=ana"' in page  # the group's own full list


def test_a_group_without_results_is_left_out(client, owner, notes_group):
    client.force_login(owner)
    html = client.get(SEARCH + "?q=zzzz", **HX).content.decode()
    assert ">Customers</div>" not in html and ">Notes</div>" in html


def test_old_search_address_still_works(client, owner):
    make_customer(owner, name="Ana Souza")
    client.force_login(owner)
    response = client.get("/customers/search/?q=ana")
    assert response.status_code == 302 and response["Location"] == "/search/?q=ana"
    assert "Ana Souza" in client.get(response["Location"]).content.decode()


def test_top_bar_searches_every_group(client, owner):
    client.force_login(owner)
    html = client.get("/customers/").content.decode()
    assert 'action="/search/"' in html and 'hx-get="/search/"' in html


def test_results_page_walks_a_group_page_by_page(client, owner):
    for i in range(55):
        make_customer(owner, name=f"Silva {i:02d}")
    client.force_login(owner)
    first = client.get(SEARCH + "?q=silva").content.decode()
    assert first.count('<td><a href="/customers/') == 50
    match = re.search(r'rel="next" href="\?q=silva&amp;group=customers&amp;cursor=([^"]+)"', first)
    assert match, "a More results link for the customers group"
    second = client.get(SEARCH, {"q": "silva", "group": "customers", "cursor": match.group(1)})
    html = second.content.decode()
    assert html.count('<td><a href="/customers/') == 5
    assert 'rel="next"' not in html and 'href="?q=silva">' in html  # back to the best matches
    names = re.findall(r'<td><a href="/customers/\d+/">([^<]*)</a>', first + html)
    assert sorted(names) == [f"Silva {i:02d}" for i in range(55)]  # every one, none twice


def test_a_broken_cursor_is_explained(client, owner):
    make_customer(owner, name="Silva")
    client.force_login(owner)
    html = client.get(SEARCH, {"q": "silva", "group": "customers", "cursor": "nonsense"})
    assert html.status_code == 200
    assert 'class="alert error"' in html.content.decode()


def test_the_dropdown_announces_how_many_were_found(client, owner):
    for i in range(3):
        make_customer(owner, name=f"Ana {i}")
    client.force_login(owner)
    html = client.get(SEARCH + "?q=ana", **HX).content.decode()
    assert 'id="search-status"' in html and 'hx-swap-oob="true"' in html
    assert "3 results found." in html
    for i in range(10):
        make_customer(owner, name=f"Ana extra {i}")
    html = client.get(SEARCH + "?q=ana", **HX).content.decode()
    assert "The first 8 results found are listed." in html
