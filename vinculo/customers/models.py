"""People and organizations with their contact points, addresses, tags and custom fields."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vinculo.core.models import VersionedModel
from vinculo.core.permissions import Access, Capability, Owner, VisibleQuerySet
from vinculo.core.tagging.models import CustomFieldDefinition as FieldDefinition
from vinculo.core.tagging.models import HasCustomFields, Tagged
from vinculo.core.tagging.models import Tag as Tag  # tags are shared by every tagged model


class FieldAppliesTo(models.TextChoices):
    """Which customers a custom field is for."""

    ALL = "all", _("People and organizations")
    PERSON = "person", _("People")
    ORGANIZATION = "organization", _("Organizations")


class CustomerQuerySet(VisibleQuerySet):
    """Customers; `restrict(user, action)` applies Customer.access."""


class Customer(Tagged, HasCustomFields, VersionedModel):
    """A person (B2C individual or contact of an account) or an organization (B2B account)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANIZATION = "organization", _("Organization")

    class Stage(models.TextChoices):
        LEAD = "lead", _("Lead")
        PROSPECT = "prospect", _("Prospect")
        CUSTOMER = "customer", _("Customer")
        INACTIVE = "inactive", _("Inactive")

    class Source(models.TextChoices):
        WEBSITE = "website", _("Website")
        REFERRAL = "referral", _("Referral")
        EVENT = "event", _("Event")
        ADVERTISING = "advertising", _("Advertising")
        SOCIAL = "social", _("Social media")
        OUTBOUND = "outbound", _("Outbound prospecting")
        PARTNER = "partner", _("Partner")
        STORE = "store", _("Store")
        IMPORT = "import", _("Import")
        OTHER = "other", _("Other")

    class TaxIdType(models.TextChoices):
        BR_CPF = "br_cpf", _("CPF (Brazil)")
        BR_CNPJ = "br_cnpj", _("CNPJ (Brazil)")
        PT_NIF = "pt_nif", _("NIF (Portugal)")
        ES_NIF = "es_nif", _("NIF (Spain)")
        ES_NIE = "es_nie", _("NIE (Spain)")
        ES_CIF = "es_cif", _("CIF (Spain)")

    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=200)
    # Lowercase, unaccented name: accent-insensitive sorting and keyset pagination by name.
    sort_name = models.CharField(max_length=200, editable=False)
    organization = models.ForeignKey(
        "self",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        limit_choices_to={"kind": "organization"},
    )
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    stage = models.CharField(
        _("lifecycle stage"), max_length=12, choices=Stage.choices, default=Stage.LEAD
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_customers",
    )
    tax_id = models.CharField(_("tax id"), max_length=20, blank=True)
    tax_id_type = models.CharField(
        _("tax id type"), max_length=10, choices=TaxIdType.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True, max_length=10000)
    # `tags` and `custom_data` come with Tagged and HasCustomFields (vinculo.core.tagging).

    objects = CustomerQuerySet.as_manager()

    # Custom fields may be limited to people or to organizations.
    custom_field_applies_to = FieldAppliesTo.choices

    # Who may do what (see core.permissions): the role's scopes over the owner; service
    # agents log on any customer they read; reassigning needs the capability too.
    access = Access(
        owner="owner",
        view=Owner("read"),
        add=Owner("write"),
        change=Owner("write"),
        delete=Owner("write"),
        log=Owner("write") | (Capability("can_log_on_readable") & Owner("read")),
        reassign=Capability("can_reassign") & Owner("write"),
    )

    audit_exclude = ("created_at", "updated_at", "version", "sort_name")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["sort_name", "id"], name="customer_name_idx"),
            models.Index(fields=["updated_at", "id"], name="customer_updated_idx"),
            models.Index(fields=["owner", "sort_name", "id"], name="customer_owner_name_idx"),
            models.Index(fields=["owner", "updated_at", "id"], name="customer_owner_upd_idx"),
            models.Index(fields=["tax_id"], name="customer_tax_idx"),
            models.Index(fields=["organization"], name="customer_org_idx"),
        ]
        constraints = [
            # A tax id is an identity: one customer per normalised number, even when two
            # saves race past the service's check (it answers with a field error then).
            models.UniqueConstraint(
                fields=["tax_id"], condition=~models.Q(tax_id=""), name="customer_tax_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_organization(self) -> bool:
        return self.kind == self.Kind.ORGANIZATION

    def custom_field_kind(self) -> str:
        return self.kind


class ContactPoint(models.Model):
    """An email, phone or social handle of a customer, stored in normalised form."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        SOCIAL = "social", _("Social")

    class Label(models.TextChoices):
        WORK = "work", _("Work")
        HOME = "home", _("Home")
        MOBILE = "mobile", _("Mobile")
        WHATSAPP = "whatsapp", _("WhatsApp")
        OTHER = "other", _("Other")

    class Platform(models.TextChoices):
        INSTAGRAM = "instagram", "Instagram"
        FACEBOOK = "facebook", "Facebook"
        LINKEDIN = "linkedin", "LinkedIn"
        X = "x", "X"
        TIKTOK = "tiktok", "TikTok"
        WHATSAPP = "whatsapp", "WhatsApp"
        TELEGRAM = "telegram", "Telegram"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Lowercased email, E.164 phone ("+5511987654321") or "platform:handle".
    value = models.CharField(max_length=254)
    label = models.CharField(max_length=10, choices=Label.choices, blank=True)
    platform = models.CharField(max_length=12, choices=Platform.choices, blank=True)
    is_primary = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["kind", "value"], name="contact_value_idx")]

    def __str__(self) -> str:
        return self.value


class Address(models.Model):
    """A postal address of a customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=40, blank=True)
    line1 = models.CharField(_("street and number"), max_length=200)
    line2 = models.CharField(_("complement"), max_length=200, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("state / region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BR")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return ", ".join(p for p in [self.line1, self.city, self.country] if p)


CUSTOMER_LABEL = "customers.customer"


class CustomFieldDefinitionManager(models.Manager["CustomFieldDefinition"]):
    def get_queryset(self) -> models.QuerySet[CustomFieldDefinition]:
        return super().get_queryset().filter(model=CUSTOMER_LABEL)


class CustomFieldDefinition(FieldDefinition):
    """The custom fields of customers: the core definitions whose model is
    "customers.customer" (a proxy, so customer code reads and creates only those)."""

    AppliesTo = FieldAppliesTo

    objects: ClassVar[CustomFieldDefinitionManager] = CustomFieldDefinitionManager()

    class Meta:
        proxy = True
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.model:
            self.model = CUSTOMER_LABEL
        super().save(*args, **kwargs)


class SearchEntry(models.Model):
    """The folded text and digit tokens global search reads (FTS5 on SQLite, trigram on
    PostgreSQL). Written by customers.search.index only."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField()
    numbers = models.TextField(blank=True)
    # Copy of customer.owner_id: PostgreSQL filters team searches inside the GIN index
    # (btree_gin on (owner_id, text)) instead of rechecking thousands of matches.
    owner_id = models.BigIntegerField(null=True, blank=True)
