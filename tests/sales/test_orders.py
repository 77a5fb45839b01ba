"""Orders: totals and margins, idempotent re-sends, status history and events, validation
per line, and the customer's visibility deciding who may write an order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.customers.factories import make_customer
from vinculo.core.errors import NotAllowed, ValidationFailed
from vinculo.core.models import AuditEntry, OutboxEvent
from vinculo.core.permissions import restrict
from vinculo.sales.models import Order, OrderLine, OrderStatusChange
from vinculo.sales.orders import OrderData, OrderLineData, save_order

from .factories import make_product

YESTERDAY = timezone.now() - timedelta(days=1)


@pytest.fixture
def products(manager):
    return (
        make_product(manager, sku="DRILL", list_price=Decimal("100.00"), unit_cost=Decimal("60")),
        make_product(manager, sku="BITS", list_price=Decimal("20.00"), unit_cost=Decimal("5")),
    )


@pytest.fixture
def customer(owner):
    return make_customer(owner, name="Ana Lima")


def _data(customer, **fields):
    fields.setdefault("placed_at", YESTERDAY)
    fields.setdefault(
        "lines",
        [
            # 2 × 100 = 200, less 20 off = 180; one of the two returned: 90 kept.
            OrderLineData(sku="drill", quantity="2", discount="20", returned_quantity="1"),
            # 3 × 20 = 60 at the list price, cost 5 each.
            OrderLineData(sku="BITS", quantity=Decimal("3")),
        ],
    )
    fields.setdefault("source", "shop")
    fields.setdefault("external_id", "A-1")
    return OrderData(customer_id=customer.pk, **fields)


def _codes(exc) -> dict[str, list[str]]:
    return {field: [m.code for m in messages] for field, messages in exc.value.errors.items()}


def test_totals_and_margin_with_a_discount_and_a_returned_unit(owner, customer, products):
    order, created = save_order(actor=owner, data=_data(customer, status="delivered"))
    order.refresh_from_db()
    assert created
    assert order.gross_amount == Decimal("260.00")
    assert order.discount_amount == Decimal("20.00")
    assert order.net_revenue == Decimal("150.00")  # 90 kept on the drill line + 60
    assert order.cost_amount == Decimal("75.00")  # 1 drill kept × 60 + 3 bits × 5
    assert order.margin == Decimal("75.00")
    drill, bits = order.lines.all()
    assert (drill.sku, drill.name, drill.unit_cost) == ("DRILL", products[0].name, Decimal("60"))
    assert drill.gross_amount == Decimal("200.00") and drill.net_amount == Decimal("90.00")
    assert bits.unit_price == Decimal("20.00") and bits.net_amount == Decimal("60.00")


def test_a_cancelled_order_nets_nothing(owner, customer, products):
    order, _ = save_order(actor=owner, data=_data(customer, status="cancelled"))
    order.refresh_from_db()
    assert order.gross_amount == Decimal("260.00")
    assert order.net_revenue == 0 and order.cost_amount == 0 and order.margin == 0


def test_resending_the_same_external_id_updates_and_replaces_lines(owner, customer, products):
    first, created = save_order(actor=owner, data=_data(customer))
    again, created_again = save_order(
        actor=owner,
        data=_data(customer, lines=[OrderLineData(sku="BITS", quantity="1", unit_price="18")]),
    )
    assert created and not created_again and again.pk == first.pk
    assert Order.objects.count() == 1
    assert [(line.sku, line.quantity) for line in OrderLine.objects.all()] == [
        ("BITS", Decimal("1.000"))
    ]
    again.refresh_from_db()
    assert again.net_revenue == Decimal("18.00") and again.version == 2
    # The same order from another source is another order.
    _, other = save_order(actor=owner, data=_data(customer, source="marketplace"))
    assert other and Order.objects.count() == 2


def test_status_changes_are_recorded_with_events(owner, customer, products):
    order, _ = save_order(actor=owner, data=_data(customer))
    save_order(actor=owner, data=_data(customer, status="paid"))
    save_order(actor=owner, data=_data(customer, status="paid", delivery_method="Courier"))
    rows = [(r.from_status, r.to_status, r.by) for r in OrderStatusChange.objects.all()]
    assert rows == [("", "placed", owner), ("placed", "paid", owner)]
    names = list(
        OutboxEvent.objects.filter(aggregate_id=str(order.pk), name__startswith="order.")
        .order_by("id")
        .values_list("name", flat=True)
    )
    assert names == ["order.placed", "order.status_changed", "order.updated"]
    changed = OutboxEvent.objects.get(name="order.status_changed")
    assert changed.payload["from_status"] == "placed" and changed.payload["to_status"] == "paid"
    assert AuditEntry.objects.filter(object_id=order.pk, action="update").count() == 2


@pytest.mark.parametrize(
    ("line", "field", "code"),
    [
        (OrderLineData(sku="NOPE", quantity="1"), "lines.1.sku", "unknown_sku"),
        (OrderLineData(sku="BITS", quantity="0"), "lines.1.quantity", "not_positive"),
        (OrderLineData(sku="BITS", quantity="-2"), "lines.1.quantity", "not_positive"),
        (
            OrderLineData(sku="BITS", quantity="1", currency="USD"),
            "lines.1.currency",
            "currency_mismatch",
        ),
        (
            OrderLineData(sku="BITS", quantity="2", discount="40.01"),
            "lines.1.discount",
            "above_amount",
        ),
        (
            OrderLineData(sku="BITS", quantity="2", returned_quantity="3"),
            "lines.1.returned_quantity",
            "out_of_range",
        ),
    ],
)
def test_a_bad_line_is_refused_with_its_field_and_code(
    owner, customer, products, line, field, code
):
    good = OrderLineData(sku="DRILL", quantity="1")
    with pytest.raises(ValidationFailed) as exc:
        save_order(actor=owner, data=_data(customer, currency="BRL", lines=[good, line]))
    assert _codes(exc) == {field: [code]}
    assert not Order.objects.exists()


def test_a_delivered_order_cannot_be_dated_in_the_future(owner, customer, products):
    tomorrow = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        save_order(actor=owner, data=_data(customer, status="delivered", placed_at=tomorrow))
    assert _codes(exc) == {"placed_at": ["delivered_in_future"]}
    # Placed (not yet delivered) with a future date is fine: a scheduled order.
    save_order(actor=owner, data=_data(customer, placed_at=tomorrow))
    assert Order.objects.count() == 1


def test_only_who_may_change_the_customer_writes_its_orders(
    owner, teammate, outsider, customer, products
):
    with pytest.raises(ValidationFailed) as exc:
        save_order(actor=outsider, data=_data(customer))
    assert _codes(exc) == {"customer": ["not_found"]}
    with pytest.raises(NotAllowed):  # the teammate reads the customer, cannot change it
        save_order(actor=teammate, data=_data(customer))
    assert not Order.objects.exists()
    order, _ = save_order(actor=owner, data=_data(customer))
    # Reading follows the customer: the teammate sees the order, the outsider does not.
    assert list(restrict(Order.objects.all(), teammate, "view")) == [order]
    assert not restrict(Order.objects.all(), outsider, "view").exists()
    with pytest.raises(ValidationFailed):
        save_order(actor=outsider, data=_data(customer, status="cancelled"))
    order.refresh_from_db()
    assert order.status == "placed"
