"""The catalogue: product groups (a hierarchy) and the products and services sold."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vinculo.core.models import VersionedModel
from vinculo.core.permissions import Access, Always, Capability, VisibleQuerySet
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
