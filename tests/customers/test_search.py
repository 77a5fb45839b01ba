"""Global search ranks before it limits: exact names first, whatever the index returns first,
and every match can be reached page by page."""

from __future__ import annotations

import pytest

from tests.customers.factories import make_customer
from vinculo.core.errors import ValidationFailed
from vinculo.customers import search
from vinculo.customers.search import search_customers, search_page


@pytest.fixture
def few_candidates(monkeypatch):
    """A text index that hands over only 4 matches, as 200 of 540 were at a million rows."""
    monkeypatch.setattr(search, "CANDIDATES", 4)


def _crowd(owner):
    """Partial matches created first (the index returns them first), then the exact ones."""
    org = make_customer(owner, name="Silva Comércio Ltda.", kind="organization")
    partial = [
        make_customer(owner, name=name)
        for name in [
            "Mariana Silvano",
            "Maria Aparecida Silva",
            "Maria Silvana Costa",
            "Silvania Mariano",
            "Maria Silva Prado",
        ]
    ]
    partial.append(make_customer(owner, name="Maria Souza", organization_id=org.pk))
    exact = [make_customer(owner, name=n) for n in ["Maria Silva", "MARIA SILVA", "María Silva"]]
    return partial, exact


def test_exact_name_matches_come_first_even_beyond_the_candidates(owner, few_candidates):
    _partial, exact = _crowd(owner)
    found = search_customers(owner, "maria silva", limit=3)
    assert sorted(c.pk for c in found) == sorted(c.pk for c in exact)


def test_name_starting_with_the_query_ranks_before_words_elsewhere(owner):
    partial, exact = _crowd(owner)
    names = [c.name for c in search_customers(owner, "maria silva", limit=20)]
    assert names[:3] == [c.name for c in exact]  # exact, in creation order
    # then names that begin with the query, then names holding every word as a prefix,
    # then matches through other text (the organization's name)
    assert names[3:5] == ["Maria Silva Prado", "Maria Silvana Costa"]
    assert set(names[5:8]) == {"Mariana Silvano", "Silvania Mariano", "Maria Aparecida Silva"}
    assert names[8:] == ["Maria Souza"]


def test_pages_reach_every_match_once_in_rank_order(owner, few_candidates):
    partial, exact = _crowd(owner)
    seen, cursor, pages = [], None, 0
    while True:
        page = search_page(owner, "maria silva", size=2, cursor=cursor)
        seen += [c.pk for c in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    # 3 exact and 2 beginning with the query from the name index (all of them), then the
    # 4 best of the text index's candidates
    assert seen[:3] == [c.pk for c in exact]
    assert len(seen) == len(set(seen)) == 9
    assert pages == 5  # 2 + 2 + 2 + 2 + 1


def test_pages_without_a_cap_cover_all_matches(owner):
    partial, exact = _crowd(owner)
    seen, cursor = [], None
    for _ in range(10):
        page = search_page(owner, "maria silva", size=4, cursor=cursor)
        seen += [c.pk for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(c.pk for c in partial + exact)


def test_exact_names_follow_visibility(owner, teammate, outsider):
    mine = make_customer(owner, name="Maria Silva")
    make_customer(outsider, name="Maria Silva")
    assert search_customers(teammate, "maria silva") == [mine]


def test_a_damaged_cursor_is_a_field_error(owner):
    make_customer(owner, name="Maria Silva")
    with pytest.raises(ValidationFailed) as err:
        search_page(owner, "maria silva", cursor="not-a-cursor")
    assert "cursor" in err.value.errors


def test_filters_narrow_the_search_in_the_database(owner):
    from vinculo.customers.models import Customer

    make_customer(owner, name="Maria Silva", stage="lead")
    wanted = make_customer(owner, name="Maria Silva", stage="customer")
    qs = Customer.objects.visible_to(owner).filter(stage="customer")
    assert search_page(owner, "maria silva", queryset=qs).items == [wanted]


def test_a_fragment_finds_names_beginning_with_it_beyond_the_candidates(owner, few_candidates):
    others = [make_customer(owner, name=f"Ana Fernandes {i}") for i in range(5)]
    starting = [make_customer(owner, name=n) for n in ["Fernando Lima", "Fernanda Dias"]]
    found = search_customers(owner, "ferna", limit=2)
    assert [c.name for c in found] == ["Fernanda Dias", "Fernando Lima"]
    walked, cursor = [], None
    for _ in range(5):
        page = search_page(owner, "ferna", size=3, cursor=cursor)
        walked += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert walked[:2] == starting[::-1]
    assert {c.pk for c in walked[2:]} <= {c.pk for c in others} and len(walked) == 6
