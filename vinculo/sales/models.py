"""The catalogue (product groups, a hierarchy, and the products and services sold) and the
orders customers placed: their lines and the history of their status."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from vinculo.core.models import VersionedModel
from vinculo.core.permissions import Access, Always, Capability, Via, VisibleQuerySet
from vinculo.core.tagging.models import HasCustomFields, Tagged

# Roles with the catalogue capability (administrators and managers by default) keep the
# catalogue; everyone signed in reads it.
CATALOGUE_WRITE = Capability("can_manage_catalogue")


def catalogue_access() -> Access:
    return Access(view=Always, add=CATALOGUE_WRITE, change=CATALOGUE_WRITE, delete=CATALOGUE_WRITE)


MONEY_DIGITS = 14
MONEY_PLACES = 2


class ProductGroupQuerySet(VisibleQuerySet):
    """Product groups; `restrict(user, action)` applies ProductGroup.access."""


class ProductGroup(VersionedModel):
    """A group of products; groups nest (a parent of none is a top-level group)."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = ProductGroupQuerySet.as_manager()
    access = catalogue_access()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="productgroup_parent_name_uniq"
            ),
            # NULL parents are distinct in SQL: top-level names need their own constraint.
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(parent__isnull=True),
                name="productgroup_top_name_uniq",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(VisibleQuerySet):
    """Products; `restrict(user, action)` applies Product.access."""


class Product(Tagged, HasCustomFields, VersionedModel):
    """A product or a service the company sells."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        SERVICE = "service", _("Service")

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.PRODUCT)
    list_price = models.DecimalField(
        _("list price"), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES
    )
    unit_cost = models.DecimalField(
        _("unit cost"),
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    active = models.BooleanField(_("active"), default=True)
    # `tags` and `custom_data` come with Tagged and HasCustomFields (vinculo.core.tagging).

    objects = ProductQuerySet.as_manager()
    access = catalogue_access()

    custom_field_applies_to = [("all", _("All products")), *Kind.choices]

    def custom_field_kind(self) -> str:
        return self.kind

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(fields=["name", "id"], name="product_name_idx"),
            models.Index(fields=["group", "name", "id"], name="product_group_name_idx"),
            models.Index(fields=["active", "name", "id"], name="product_active_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} — {self.name}"


QUANTITY_DIGITS = 12
QUANTITY_PLACES = 3


def _money(label: Any, **extra: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **extra)


def _quantity(label: Any, **extra: Any) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES, **extra
    )


class OrderQuerySet(VisibleQuerySet):
    """Orders; `restrict(user, action)` applies Order.access (through the customer)."""


class Order(Tagged, HasCustomFields, VersionedModel):
    """An order a customer placed, in a store, online, by phone... Its totals are computed
    from its lines by the services (never typed): see sales.services.save_order."""

    class Channel(models.TextChoices):
        STORE = "store", _("Store")
        WEB = "web", _("Web")
        PHONE = "phone", _("Phone")
        SALES_REP = "sales_rep", _("Sales rep")
        MARKETPLACE = "marketplace", _("Marketplace")
        OTHER = "other", _("Other")

    class PaymentMethod(models.TextChoices):
        CARD = "card", _("Card")
        BOLETO = "boleto", _("Boleto")
        PIX = "pix", _("Pix")
        TRANSFER = "transfer", _("Bank transfer")
        CASH = "cash", _("Cash")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        PAID = "paid", _("Paid")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned")
        CANCELLED = "cancelled", _("Cancelled")

    # Where the order came from ("shop", "erp:acme") and its id there: re-sending the same
    # order updates it (docs/api.md, "External ids").
    source = models.CharField(_("source"), max_length=100, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="orders",
    )
    placed_at = models.DateTimeField(_("placed"))
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.OTHER
    )
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    delivery_method = models.CharField(_("delivery method"), max_length=100, blank=True)
    delivery_cost = _money(_("delivery cost"), default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLACED
    )
    # Computed from the lines (sales.orders.order_totals), stored for lists and reports.
    # Not in audit_exclude: persistence.update writes only the audited fields that changed.
    gross_amount = _money(_("gross amount"), default=Decimal("0"))
    discount_amount = _money(_("discount"), default=Decimal("0"))
    net_revenue = _money(_("net revenue"), default=Decimal("0"))
    cost_amount = _money(_("cost"), default=Decimal("0"))
    margin = _money(_("margin"), default=Decimal("0"))

    objects = OrderQuerySet.as_manager()

    # Visible with its customer; whoever may change the customer records its orders.
    access = Access(
        view=Via("customer", "view"),
        add=Via("customer", "change"),
        change=Via("customer", "change"),
        delete=Via("customer", "change"),
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["customer", "-placed_at", "-id"], name="order_customer_idx"),
            models.Index(fields=["status", "-placed_at", "-id"], name="order_status_idx"),
            models.Index(fields=["-placed_at", "-id"], name="order_placed_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="order_source_external_uniq",
            )
        ]

    def __str__(self) -> str:
        return self.external_id or f"#{self.pk}"


class OrderLine(models.Model):
    """One product (or service) on an order, as sold: SKU, name, price and cost then."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    quantity = _quantity(_("quantity"))
    unit_price = _money(_("unit price"))
    discount = _money(_("discount"), default=Decimal("0"))
    unit_cost = _money(_("unit cost"), default=Decimal("0"))
    returned_quantity = _quantity(_("returned quantity"), default=Decimal("0"))
    # Computed: quantity × unit price; that less the discount, less the returned share.
    gross_amount = _money(_("gross amount"), default=Decimal("0"))
    net_amount = _money(_("net amount"), default=Decimal("0"))

    class Meta:
        ordering = ["order", "position", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_qty_pos"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="orderline_price_nonneg"
            ),
            models.CheckConstraint(
                condition=models.Q(discount__gte=0, discount__lte=F("quantity") * F("unit_price")),
                name="orderline_discount_range",
            ),
            models.CheckConstraint(
                condition=models.Q(returned_quantity__gte=0, returned_quantity__lte=F("quantity")),
                name="orderline_returned_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"


class OrderStatusChange(models.Model):
    """One change of an order's status: from what, to what, when and by whom."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(
        _("from"), max_length=10, choices=Order.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=Order.Status.choices)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["order", "at", "id"]
        verbose_name = _("order status change")
        verbose_name_plural = _("order status changes")
        indexes = [models.Index(fields=["order", "at"], name="orderstatuschange_order_idx")]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"
