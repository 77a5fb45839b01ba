"""The customer list page: filters, sort, keyset pages, htmx fragment, visibility."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from vinculo.customers import views
from vinculo.customers.models import CustomFieldDefinition

HX = {"HTTP_HX_REQUEST": "true"}
LIST = "/customers/"


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on English text whatever the default language and its catalogues."""
    settings.LANGUAGE_CODE = "en"


def names(response) -> list[str]:
    """Customer names in table order, as the user reads them."""
    html = response.content.decode()
    return re.findall(r'<td><a href="/customers/\d+/">([^<]*)</a>', html)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_root_is_today_and_the_list_keeps_its_address(client, owner):
    client.force_login(owner)
    home = client.get("/")
    assert home.status_code == 200 and "<h1>Today</h1>" in home.content.decode()
    assert f'href="{LIST}"' in home.content.decode()  # the nav still leads here
    assert client.get(LIST).status_code == 200


def test_owner_and_teammate_see_the_customer_outsider_does_not(client, owner, teammate, outsider):
    make_customer(owner, name="Ana Souza", emails=["ana@example.com"], phones=["11987654321"])
    make_customer(outsider, name="Other Team Co")
    client.force_login(owner)
    response = client.get(LIST)
    assert response.status_code == 200
    assert names(response) == ["Ana Souza"]
    html = response.content.decode()
    assert "ana@example.com" in html and "(11) 98765-4321" in html
    assert 'aria-current="page"' in html  # nav highlights Customers
    client.force_login(teammate)
    assert names(client.get(LIST)) == ["Ana Souza"]
    client.force_login(outsider)
    assert names(client.get(LIST)) == ["Other Team Co"]
    assert "Ana Souza" not in client.get(LIST + "?q=ana").content.decode()


def test_name_with_html_is_escaped(client, owner):
    make_customer(owner, name="<script>alert(1)</script> Ana")
    client.force_login(owner)
    html = client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ana" in html


def test_filters_by_kind_stage_owner_tag_and_text(client, owner, teammate):
    make_customer(owner, name="Acme Ltda", kind="organization", stage="customer", tags=["vip"])
    make_customer(owner, name="Bruno Lima", stage="prospect")
    make_customer(teammate, name="Carla Dias", tags=["vip"])
    client.force_login(owner)
    assert names(client.get(LIST + "?kind=organization")) == ["Acme Ltda"]
    assert names(client.get(LIST + "?stage=prospect")) == ["Bruno Lima"]
    assert sorted(names(client.get(LIST + "?owner=me"))) == ["Acme Ltda", "Bruno Lima"]
    assert names(client.get(LIST + f"?owner={teammate.pk}")) == ["Carla Dias"]
    assert sorted(names(client.get(LIST + "?tag=vip"))) == ["Acme Ltda", "Carla Dias"]
    assert names(client.get(LIST + "?q=bruno")) == ["Bruno Lima"]
    assert names(client.get(LIST + "?sort=name")) == ["Acme Ltda", "Bruno Lima", "Carla Dias"]
    assert names(client.get(LIST + "?sort=-name")) == ["Carla Dias", "Bruno Lima", "Acme Ltda"]


def test_custom_field_filter(client, owner):
    CustomFieldDefinition.objects.create(
        key="segment", label="Segment", field_type="choice", choices=["retail", "wholesale"]
    )
    CustomFieldDefinition.objects.create(key="employees", label="Employees", field_type="number")
    make_customer(owner, name="Shop", custom={"segment": "retail", "employees": 5})
    make_customer(owner, name="Depot", custom={"segment": "wholesale", "employees": 80})
    client.force_login(owner)
    page = client.get(LIST)
    assert 'name="cf_segment"' in page.content.decode()
    assert 'name="cf_employees__gte"' in page.content.decode()
    assert names(client.get(LIST + "?cf_segment=retail")) == ["Shop"]
    assert names(client.get(LIST + "?cf_employees__gte=10")) == ["Depot"]


def test_invalid_filters_are_explained_field_by_field(client, owner):
    make_customer(owner, name="Ana")
    client.force_login(owner)
    response = client.get(LIST + "?stage=nonsense&cf_missing=1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lifecycle stage: " in html and "nonsense" in html
    assert "Unknown custom field." in html
    assert names(response) == []


def test_htmx_filter_returns_only_the_table(client, owner):
    make_customer(owner, name="Ana")
    client.force_login(owner)
    response = client.get(LIST + "?q=ana", **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="customer-table">')
    assert "<html" not in html and names(response) == ["Ana"]


def test_keyset_pages_forward_and_back_with_a_bounded_count(
    client, owner, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    for n in "ABCDEFG":
        make_customer(
            owner, name=f"{n} customer", emails=[f"{n.lower()}@example.com"], tags=["x", "y"]
        )
    client.force_login(owner)
    with django_assert_max_num_queries(13) as captured:
        first = client.get(LIST + "?sort=name")
    counts = [q["sql"].upper() for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 501" in counts[0]  # never runs to the end of a table
    assert not any(" OFFSET " in q["sql"].upper() for q in captured.captured_queries)
    assert names(first) == ["A customer", "B customer", "C customer"]
    html = first.content.decode()
    assert "7 customers" in html
    assert 'rel="prev"' not in html
    next_url = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "sort=name" in next_url and "cursor=" in next_url
    second = client.get(LIST + next_url)
    assert names(second) == ["D customer", "E customer", "F customer"]
    third_url = re.search(r'rel="next" href="([^"]+)"', second.content.decode()).group(1)
    third = client.get(LIST + third_url.replace("&amp;", "&"))
    assert names(third) == ["G customer"]
    assert 'rel="next"' not in third.content.decode()
    prev_url = re.search(r'rel="prev" href="([^"]+)"', third.content.decode()).group(1)
    assert names(client.get(LIST + prev_url.replace("&amp;", "&"))) == [
        "D customer",
        "E customer",
        "F customer",
    ]


def test_query_count_does_not_grow_with_rows(client, owner, django_assert_max_num_queries):
    for i in range(30):
        make_customer(
            owner,
            name=f"Customer {i}",
            emails=[f"c{i}@example.com"],
            phones=[f"1198765{i:04d}"],
            tags=[f"t{i % 3}"],
        )
    client.force_login(owner)
    with django_assert_max_num_queries(12) as captured:
        response = client.get(LIST)
    assert len(names(response)) == 30
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def test_invalid_cursor_shows_a_clear_message(client, owner):
    make_customer(owner, name="Ana")
    client.force_login(owner)
    response = client.get(LIST + "?cursor=not-a-real-cursor")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The page link is invalid or out of date." in html
    assert "Go to the first page" in html


def test_new_buttons_only_for_users_who_can_create(client, owner):
    client.force_login(owner)
    assert "/customers/new/" in client.get(LIST).content.decode()
    client.force_login(make_user("marketing"))
    assert "/customers/new/" not in client.get(LIST).content.decode()


@pytest.mark.parametrize("role", ["administrator", "service"])
def test_roles_reading_everything_see_everyone(client, owner, outsider, role):
    make_customer(owner, name="Ana")
    make_customer(outsider, name="Bia")
    client.force_login(make_user(role))
    assert sorted(names(client.get(LIST))) == ["Ana", "Bia"]


def test_back_button_restore_gets_the_whole_page_and_caches_keep_them_apart(client, owner):
    make_customer(owner, name="Ana")
    client.force_login(owner)
    fragment = client.get(LIST + "?q=ana", **HX)
    assert "HX-Request" in fragment["Vary"]
    restored = client.get(LIST + "?q=ana", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX)
    assert "<html" in restored.content.decode() and names(restored) == ["Ana"]


# --- tags in any case, suggestions, sortable headers ----------------------------------


def test_the_tag_filter_ignores_case_and_accents(client, owner):
    make_customer(owner, name="Ana", tags=["VIP"])
    make_customer(owner, name="Bruno", tags=["Cliente Fiél"])
    make_customer(owner, name="Carla", tags=["other"])
    client.force_login(owner)
    assert names(client.get(LIST + "?tag=vip")) == ["Ana"]
    assert names(client.get(LIST + "?tag=VIP")) == ["Ana"]
    assert names(client.get(LIST + "?tag=cliente%20fiel")) == ["Bruno"]
    assert names(client.get(LIST + "?tag=nope")) == []


def test_a_tag_typed_in_another_case_joins_the_existing_one(owner):
    from vinculo.customers.models import Tag

    make_customer(owner, name="Ana", tags=["VIP"])
    bruno = make_customer(owner, name="Bruno", tags=["vip", "Vip"])
    assert Tag.objects.count() == 1
    assert [t.name for t in bruno.tags.all()] == ["VIP"]


def test_look_alike_tags_made_before_folding_are_found_once(client, owner):
    from vinculo.customers.models import Tag

    ana = make_customer(owner, name="Ana", tags=["VIP"])
    ana.tags.add(Tag.objects.create(name="vip"))  # both existed before tags were folded
    make_customer(owner, name="Bruno", tags=["vip"])
    client.force_login(owner)
    assert sorted(names(client.get(LIST + "?tag=Vip"))) == ["Ana", "Bruno"]


def test_tag_suggestions_offer_existing_tags(client, owner):
    make_customer(owner, name="Ana", tags=["VIP", "Atacado", "Cliente Fiél"])
    client.force_login(owner)
    html = client.get("/customers/tags/?tag=vi", **HX).content.decode()
    assert '<option value="VIP">' in html and "Atacado" not in html
    html = client.get("/customers/tags/?tag=fiel").content.decode()
    assert '<option value="Cliente Fiél">' in html  # inside the name, without the accent
    assert html.count("<option") == 1
    page = client.get(LIST).content.decode()
    assert 'list="tag-options"' in page and '<datalist id="tag-options">' in page


def test_tag_suggestions_need_a_signed_in_user(client, db):
    assert client.get("/customers/tags/?tag=v").status_code == 302


@pytest.mark.parametrize(
    "sort,name_sort,name_link,updated_sort,updated_link",
    [
        ("", None, "sort=name", "descending", "sort=updated"),
        ("name", "ascending", "sort=-name", None, "sort=-updated"),
        ("-name", "descending", "sort=name", None, "sort=-updated"),
        ("updated", None, "sort=name", "ascending", "sort=-updated"),
    ],
)
def test_column_headers_sort_and_say_how(
    client, owner, sort, name_sort, name_link, updated_sort, updated_link
):
    make_customer(owner, name="Ana")
    client.force_login(owner)
    html = client.get(LIST + (f"?stage=lead&sort={sort}" if sort else "?stage=lead")).content
    html = html.decode()
    head = html[html.index("<thead>") : html.index("</thead>")]
    cells = re.findall(r"<th scope=\"col\"([^>]*)>(.*?)</th>", head)
    by_text = {re.sub(r"<[^>]+>", "", text): (attrs, text) for attrs, text in cells}
    name_attrs, name_cell = by_text["Name"]
    updated_attrs, updated_cell = by_text["Updated"]
    assert (
        (f'aria-sort="{name_sort}"' in name_attrs) if name_sort else "aria-sort" not in name_attrs
    )
    assert (
        (f'aria-sort="{updated_sort}"' in updated_attrs)
        if updated_sort
        else "aria-sort" not in updated_attrs
    )
    assert name_link in name_cell and "stage=lead" in name_cell  # filters are kept
    assert updated_link in updated_cell
    assert "<a" not in by_text["Stage"][1]  # only indexed orders are offered


def test_header_links_sort_the_list(client, owner):
    for name in ["Bruno", "Ana", "Carla"]:
        make_customer(owner, name=name)
    client.force_login(owner)
    assert names(client.get(LIST + "?sort=name")) == ["Ana", "Bruno", "Carla"]
    assert names(client.get(LIST + "?sort=-name")) == ["Carla", "Bruno", "Ana"]
    html = client.get(LIST + "?q=ana").content.decode()
    assert 'class="sort"' not in html  # best matches have no order to choose


def test_long_emails_may_wrap_at_dots_and_at(client, owner):
    from vinculo.customers.templatetags.customer_format import breakable

    assert breakable("ana.souza@example.com") == "ana<wbr>.souza<wbr>@example<wbr>.com"
    assert breakable("<b>x.y</b>") == "&lt;b&gt;x<wbr>.y&lt;/b&gt;"
    make_customer(owner, name="Ana", emails=["ana.souza@example.com"])
    client.force_login(owner)
    html = client.get(LIST).content.decode()
    assert '<td class="contact" data-label="Email / phone">' in html
    assert ">ana<wbr>.souza<wbr>@example<wbr>.com</a>" in html


def test_total_exact_estimated_or_more_than(client, owner, admin, monkeypatch):
    from vinculo.core import counts

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(counts, "COUNT_LIMIT", 4)
    for i in range(6):
        make_customer(owner, name=f"Ana {i}", stage="lead" if i < 3 else "customer")
    client.force_login(owner)
    assert "3 customers" in client.get(LIST + "?stage=lead").content.decode()
    # a big table: the statistics answer for an unfiltered list of a user who reads all
    monkeypatch.setattr(counts, "table_estimate", lambda model: 1_000_000)
    client.force_login(admin)
    assert "About 1.0 million customers" in client.get(LIST).content.decode()
    monkeypatch.setattr(counts, "planner_estimate", lambda qs: None)
    client.force_login(owner)  # team scope: counted up to the limit, then "more than"
    assert "More than 4 customers" in client.get(LIST).content.decode()
    assert "customer-total" not in client.get(LIST + "?q=ana").content.decode()


def test_search_in_the_list_pages_with_cursors_and_filters(client, owner, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for stage in ["lead", "customer", "customer", "lead", "customer"]:
        make_customer(owner, name="Maria Silva", stage=stage)
    client.force_login(owner)
    first = client.get(LIST + "?q=maria+silva&stage=customer")
    assert names(first) == ["Maria Silva", "Maria Silva"]
    next_url = re.search(r'rel="next" href="([^"]+)"', first.content.decode()).group(1)
    second = client.get(LIST + next_url.replace("&amp;", "&"))
    assert names(second) == ["Maria Silva"]
    assert 'rel="next"' not in second.content.decode()
