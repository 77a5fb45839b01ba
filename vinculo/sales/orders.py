"""The only writer of orders: `save_order`, idempotent by (source, external id).

It checks permission (writing an order needs the right to change its customer), collects
field errors (per line: `lines.2.quantity`, each with a stable code), computes the totals
from the lines (never typed), then writes in one transaction through core.persistence:
`order.placed` on create, `order.status_changed` when the status changes (with an
OrderStatusChange row), `order.updated` for any other change.

Totals: a line's gross is quantity × unit price; its net is the gross less the discount,
less the returned share (net × kept quantity / quantity); its cost is unit cost at sale ×
kept quantity. The order sums its lines; a cancelled or returned order nets 0 (revenue and
cost). Margin is net revenue less cost. The delivery cost is kept apart from revenue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vinculo.core import persistence
from vinculo.core.errors import FieldErrors, NotAllowed
from vinculo.core.permissions import can, require
from vinculo.core.tagging.values import apply_custom_data
from vinculo.customers.models import Customer
from vinculo.sales.models import QUANTITY_DIGITS, QUANTITY_PLACES, Order, OrderLine, Product
from vinculo.sales.models import OrderStatusChange as StatusChange
from vinculo.sales.services import _amount, normalize_sku

CENT = Decimal("0.01")
ZERO = Decimal("0")
MAX_QUANTITY = Decimal(10 ** (QUANTITY_DIGITS - QUANTITY_PLACES)) - Decimal("0.001")
SOURCE_MAX = 100
EXTERNAL_ID_MAX = 200
NAME_MAX = 200
DELIVERY_METHOD_MAX = 100
# Statuses whose revenue (and cost) no longer counts.
VOID_STATUSES = (Order.Status.CANCELLED, Order.Status.RETURNED)


@dataclass
class OrderLineData:
    """One line as sent. Price, cost and name default to the product's; `currency`, when
    sent, must be the order's (lines have none of their own)."""

    sku: str = ""
    quantity: Any = None
    unit_price: Any = None
    discount: Any = None
    unit_cost: Any = None
    returned_quantity: Any = None
    name: str | None = None
    currency: str | None = None


@dataclass
class OrderData:
    """The whole order as the source system sends it; its lines replace the stored ones."""

    customer_id: int | None = None
    placed_at: datetime | None = None
    source: str = ""
    external_id: str = ""
    channel: str = Order.Channel.OTHER
    payment_method: str = ""
    delivery_method: str = ""
    delivery_cost: Any = None
    currency: str | None = None
    status: str = Order.Status.PLACED
    lines: list[OrderLineData] = field(default_factory=list)
    custom: dict[str, Any] | None = None


def _quantity(value: Any, name: str, errors: FieldErrors, *, allow_zero: bool) -> Decimal | None:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite():
        errors.add(name, _("Enter a quantity, e.g. 2 or 1.5."), code="invalid")
        return None
    if amount < 0 or (amount == 0 and not allow_zero):
        errors.add(name, _("The quantity must be more than zero."), code="not_positive")
        return None
    if amount > MAX_QUANTITY:
        errors.add(name, _("The quantity is too large."), code="out_of_range")
        return None
    if amount != amount.quantize(Decimal("0.001")):
        errors.add(name, _("Use at most three decimal places."), code="invalid")
        return None
    return amount


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_totals(line: OrderLine) -> None:
    """Set the line's gross and net amounts from its quantity, price, discount and returns."""
    line.gross_amount = _money(line.quantity * line.unit_price)
    kept = line.quantity - line.returned_quantity
    line.net_amount = _money((line.gross_amount - line.discount) * kept / line.quantity)


def order_totals(order: Order, lines: list[OrderLine]) -> None:
    """Set the order's stored totals from its lines (see the module's docstring)."""
    order.gross_amount = sum((line.gross_amount for line in lines), ZERO)
    order.discount_amount = sum((line.discount for line in lines), ZERO)
    if order.status in VOID_STATUSES:
        order.net_revenue = order.cost_amount = ZERO
    else:
        order.net_revenue = sum((line.net_amount for line in lines), ZERO)
        order.cost_amount = sum(
            (_money(line.unit_cost * (line.quantity - line.returned_quantity)) for line in lines),
            ZERO,
        )
    order.margin = order.net_revenue - order.cost_amount


def _text(value: str | None, name: str, limit: int, errors: FieldErrors) -> str:
    clean = " ".join((value or "").split())
    if len(clean) > limit:
        errors.add(name, _("At most %(n)d characters.") % {"n": limit}, code="too_long")
    return clean


def _clean_header(order: Order, data: OrderData, errors: FieldErrors) -> None:
    if data.placed_at is None:
        errors.add("placed_at", _("Enter when the order was placed."), code="required")
    else:
        placed = data.placed_at
        if timezone.is_naive(placed):
            placed = timezone.make_aware(placed)
        order.placed_at = placed
    for name, value, choices in (
        ("channel", data.channel, Order.Channel),
        ("status", data.status, Order.Status),
    ):
        if value not in choices.values:
            errors.add(name, _("Choose one of the listed values."), code="invalid_choice")
        else:
            setattr(order, name, value)
    if data.payment_method and data.payment_method not in Order.PaymentMethod.values:
        errors.add("payment_method", _("Choose one of the listed values."), code="invalid_choice")
    else:
        order.payment_method = data.payment_method or ""
    order.delivery_method = _text(
        data.delivery_method, "delivery_method", DELIVERY_METHOD_MAX, errors
    )
    cost = (
        ZERO
        if data.delivery_cost in (None, "")
        else _amount(data.delivery_cost, "delivery_cost", errors)
    )
    if cost is not None:
        order.delivery_cost = cost
    currency = (data.currency or settings.DEFAULT_CURRENCY).strip().upper()
    if currency not in settings.CURRENCIES:
        errors.add(
            "currency",
            _("Choose one of: %(list)s.") % {"list": ", ".join(settings.CURRENCIES)},
            code="unknown_currency",
        )
    else:
        order.currency = currency
    if (
        data.status == Order.Status.DELIVERED
        and data.placed_at is not None
        and order.placed_at > timezone.now()
    ):
        errors.add(
            "placed_at",
            _("A delivered order cannot be dated in the future."),
            code="delivered_in_future",
        )


def _clean_lines(order: Order, data: OrderData, errors: FieldErrors) -> list[OrderLine]:
    if not data.lines:
        errors.add("lines", _("Add at least one line."), code="required")
        return []
    skus = {normalize_sku(line.sku) for line in data.lines}
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
    lines: list[OrderLine] = []
    for i, raw in enumerate(data.lines):
        key = f"lines.{i}."
        sku = normalize_sku(raw.sku)
        product = products.get(sku)
        if not sku:
            errors.add(key + "sku", _("Enter the SKU."), code="required")
        elif product is None:
            errors.add(key + "sku", _("No product has this SKU."), code="unknown_sku")
        if raw.currency and raw.currency.strip().upper() != order.currency:
            errors.add(
                key + "currency",
                _("Every line must be in the order's currency."),
                code="currency_mismatch",
            )
        if raw.quantity in (None, ""):
            errors.add(key + "quantity", _("Enter the quantity."), code="required")
            quantity = None
        else:
            quantity = _quantity(raw.quantity, key + "quantity", errors, allow_zero=False)
        if product is None:
            continue
        price = (
            product.list_price
            if raw.unit_price in (None, "")
            else _amount(raw.unit_price, key + "unit_price", errors)
        )
        cost = (
            (product.unit_cost or ZERO)
            if raw.unit_cost in (None, "")
            else _amount(raw.unit_cost, key + "unit_cost", errors)
        )
        discount = (
            ZERO if raw.discount in (None, "") else _amount(raw.discount, key + "discount", errors)
        )
        returned = (
            ZERO
            if raw.returned_quantity in (None, "")
            else _quantity(
                raw.returned_quantity, key + "returned_quantity", errors, allow_zero=True
            )
        )
        name = _text(raw.name, key + "name", NAME_MAX, errors) or product.name
        if None in (quantity, price, cost, discount, returned):
            continue
        assert quantity is not None and price is not None and discount is not None
        assert returned is not None and cost is not None
        if discount > quantity * price:
            errors.add(
                key + "discount",
                _("The discount cannot be more than the line's amount."),
                code="above_amount",
            )
            continue
        if returned > quantity:
            errors.add(
                key + "returned_quantity",
                _("No more can be returned than was sold."),
                code="out_of_range",
            )
            continue
        line = OrderLine(
            position=i,
            product=product,
            sku=product.sku,
            name=name,
            quantity=quantity,
            unit_price=price,
            discount=discount,
            unit_cost=cost,
            returned_quantity=returned,
        )
        line_totals(line)
        lines.append(line)
    return lines


def _lines_summary(lines: Any) -> list[list[str]]:
    """The lines as the audit trail and events show them."""
    return [
        [
            line.sku,
            str(line.quantity),
            str(line.unit_price),
            str(line.discount),
            str(line.returned_quantity),
        ]
        for line in lines
    ]


def _replace_lines(order: Order, lines: list[OrderLine]) -> None:
    order.lines.all().delete()
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)


def _status_row(order: Order, before: str, actor: Any) -> None:
    StatusChange.objects.create(
        order=order,
        from_status=before,
        to_status=order.status,
        at=timezone.now(),
        by=actor if getattr(actor, "pk", None) else None,
    )


def _existing(data: OrderData) -> Order | None:
    if not data.external_id:
        return None
    return (
        Order.objects.select_related("customer")
        .filter(source=data.source, external_id=data.external_id)
        .first()
    )


def save_order(*, actor: Any, data: OrderData) -> tuple[Order, bool]:
    """Create the order, or update the one with the same (source, external id), replacing
    its lines; `(order, created)`. Refuses (NotAllowed) when the actor may not change the
    order's customer (nor, on update, the customer it had)."""
    for attempt in (1, 2):
        try:
            return _save(actor, data)
        except IntegrityError:  # another save of the same external id won the race
            if attempt == 2 or not data.external_id:
                raise
    raise AssertionError("unreachable")


def _save(actor: Any, data: OrderData) -> tuple[Order, bool]:
    errors = FieldErrors()
    source = _text(data.source, "source", SOURCE_MAX, errors)
    external_id = (data.external_id or "").strip()
    if len(external_id) > EXTERNAL_ID_MAX:
        errors.add(
            "external_id", _("At most %(n)d characters.") % {"n": EXTERNAL_ID_MAX}, code="too_long"
        )
    data.source, data.external_id = source, external_id
    customer = Customer.objects.filter(pk=data.customer_id).first() if data.customer_id else None
    if customer is None or not can(actor, "view", customer):
        errors.add("customer", _("Choose a customer you can see."), code="not_found")
        errors.raise_if_any()
    order = _existing(data)
    created = order is None
    if order is None:
        order = Order(source=source, external_id=external_id)
    else:
        require(actor, "change", order)
    assert customer is not None
    order.customer = customer
    if not can(actor, "add" if created else "change", order):
        raise NotAllowed()
    before_status = "" if created else order.status
    before_lines = [] if created else _lines_summary(order.lines.all())
    _clean_header(order, data, errors)
    lines = _clean_lines(order, data, errors)
    apply_custom_data(order, data.custom, errors)
    errors.raise_if_any()
    order_totals(order, lines)
    after_lines = _lines_summary(lines)
    with transaction.atomic():
        if created:

            def related(o: Order) -> dict[str, list[Any]]:
                _replace_lines(o, lines)
                _status_row(o, "", actor)
                return {"lines": [None, after_lines]}

            persistence.create(
                order,
                actor=actor,
                save_related=related,
                event_name="order.placed",
                event_payload={"customer_id": customer.pk, "status": order.status},
            )
            return order, True
        changes: dict[str, list[Any]] = {}
        if after_lines != before_lines:
            _replace_lines(order, lines)
            changes["lines"] = [before_lines, after_lines]
        status_changed = order.status != before_status
        if status_changed:
            _status_row(order, before_status, actor)
        persistence.update(
            order,
            actor=actor,
            expected_version=None,
            related_changes=changes,
            event_name="order.status_changed" if status_changed else None,
            event_payload={
                "customer_id": customer.pk,
                "from_status": before_status,
                "to_status": order.status,
            },
        )
    return order, False
