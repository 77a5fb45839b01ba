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
