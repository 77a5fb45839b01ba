from __future__ import annotations

import pytest

from tests.customers.factories import make_customer
from vinculo.core.errors import ValidationFailed
from vinculo.core.pagination import keyset_page
from vinculo.customers.models import Customer


@pytest.fixture
def customers(owner):
    # Duplicate names make the id tie-breaker matter.
    return [
        make_customer(owner, name=n) for n in ["Bia", "Ana", "Ana", "Caio", "Ágata", "Davi", "Ana"]
    ]


@pytest.mark.parametrize(
    "order", [["sort_name", "id"], ["-sort_name", "-id"], ["-updated_at", "-id"]]
)
def test_walks_every_row_once_forwards_and_backwards(customers, order):
    qs = Customer.objects.all()
    expected = list(qs.order_by(*order).values_list("pk", flat=True))
    seen, pages, cursor = [], [], None
    while True:
        page = keyset_page(qs, order=order, cursor=cursor, size=3)
        pages.append(page)
        seen += [c.pk for c in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == expected
    back = keyset_page(qs, order=order, cursor=pages[-1].prev_cursor, size=3)
    assert [c.pk for c in back.items] == [c.pk for c in pages[-2].items]


def test_accent_insensitive_name_order(customers):
    page = keyset_page(Customer.objects.all(), order=["sort_name", "id"], cursor=None, size=10)
    assert [c.name for c in page.items][:4] == ["Ágata", "Ana", "Ana", "Ana"]


@pytest.mark.parametrize("cursor", ["garbage", "eyJrIjpbMV0sImQiOiJ4In0", "!!!"])
def test_bad_cursor_is_a_clear_validation_error(db, cursor):
    with pytest.raises(ValidationFailed) as err:
        keyset_page(Customer.objects.all(), order=["sort_name", "id"], cursor=cursor, size=3)
    assert "cursor" in err.value.errors


def _walk(queryset, order, **kwargs):
    """Every page forwards, then back from the last page: (forward ids, backward ids)."""
    forward, cursor, last = [], None, None
    while True:
        page = keyset_page(queryset, order=order, cursor=cursor, size=2, **kwargs)
        forward += [c.pk for c in page.items]
        last = page
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    backward, cursor = [c.pk for c in last.items], last.prev_cursor
    while cursor:
        page = keyset_page(queryset, order=order, cursor=cursor, size=2, **kwargs)
        backward = [c.pk for c in page.items] + backward
        cursor = page.prev_cursor
    return forward, backward


@pytest.mark.parametrize(
    "order", [["sort_name", "id"], ["-updated_at", "-id"], ["-sort_name", "-id"]]
)
def test_a_split_read_gives_the_same_pages(owner, teammate, outsider, order):
    names = ["Ana", "Bia", "Caio", "Ana", "Duda", "Éder", "Bia", "Fábio", "Gil"]
    for i, name in enumerate(names):
        make_customer([owner, teammate, outsider][i % 3], name=name)
    unowned = make_customer(owner, name="Bruna")
    Customer.objects.filter(pk=unowned.pk).update(owner=None)
    everyone = Customer.objects.exclude(owner=outsider)  # a team's rows, and the unowned one
    split = ("owner_id", [owner.pk, teammate.pk])
    expected = _walk(everyone, order)
    assert _walk(everyone, order, split=split) == expected
    assert len(expected[0]) == 7 and expected[0] == expected[1]
