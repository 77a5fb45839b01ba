"""Tags, custom field definitions, and the mixins through which any model takes them.

Imported by vinculo.core.models, so these are models of the `core` app."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models.signals import class_prepared
from django.utils.translation import gettext_lazy as _

from vinculo.core.models import VersionedModel
from vinculo.core.text import fold

ALL = "all"


class Tag(models.Model):
    """A free label, shared by everyone and by every tagged model."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    # Lowercase, unaccented name: filters and suggestions treat "VIP", "vip" and "víp" alike.
    folded = models.CharField(max_length=60, editable=False, db_index=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.folded = fold(self.name)[:60]
        super().save(*args, **kwargs)


class Tagged(models.Model):
    """Mixin: free tags on a model. Each model that takes it gets its own link table
    (<app>_<model>_tags), indexed both ways, so a tag filter is an index lookup."""

    tags = models.ManyToManyField("core.Tag", verbose_name=_("tags"), blank=True)

    class Meta:
        abstract = True


class HasCustomFields(models.Model):
    """Mixin: values of the fields administrators define for this model, by key, in one
    JSON column (checked by tagging.values.clean_custom_data before every write)."""

    custom_data = models.JSONField(_("custom fields"), default=dict, blank=True)

    # The subtypes of the record a field may be limited to, as (value, label), the first
    # being "all" (customers: people and organizations). A model with no subtypes keeps this.
    custom_field_applies_to: ClassVar[list[tuple[str, Any]]] = [(ALL, _("All"))]

    class Meta:
        abstract = True

    def custom_field_kind(self) -> str:
        """This record's subtype among `custom_field_applies_to` ("" when there are none)."""
        return ""


_CUSTOM_FIELD_MODELS: dict[str, type[models.Model]] = {}


def _remember_custom_field_model(sender: type[models.Model], **kwargs: Any) -> None:
    """Keep every concrete model that takes HasCustomFields, by label, as it is defined."""
    meta = sender._meta
    if issubclass(sender, HasCustomFields) and not meta.abstract and not meta.proxy:
        _CUSTOM_FIELD_MODELS[meta.label_lower] = sender


class_prepared.connect(_remember_custom_field_model)


def custom_field_models() -> dict[str, type[models.Model]]:
    """{"app.model": model} of the models administrators can add custom fields to."""
    return dict(_CUSTOM_FIELD_MODELS)


class CustomFieldDefinition(VersionedModel):
    """A field an administrator adds to one model (`model`, e.g. "customers.customer");
    the values live in that model's `custom_data` under `key`."""

    class FieldType(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        MONEY = "money", _("Amount of money")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        BOOLEAN = "boolean", _("Yes / no")

    ALL = ALL

    model = models.CharField(_("record type"), max_length=100)  # "app_label.modelname"
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=10, choices=FieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    # "all", or one subtype of the model (see HasCustomFields.custom_field_applies_to).
    applies_to = models.CharField(_("applies to"), max_length=12, default=ALL)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(fields=["model", "key"], name="custom_field_model_key_uniq")
        ]

    def __str__(self) -> str:
        return self.label

    def applies(self, kind: str) -> bool:
        return self.applies_to in (ALL, kind)

    def target_model(self) -> type[models.Model] | None:
        return _CUSTOM_FIELD_MODELS.get(self.model)

    def get_applies_to_display(self) -> str:
        """The translated name of `applies_to`, from the model's own subtypes."""
        target = self.target_model()
        options = dict(
            getattr(target, "custom_field_applies_to", HasCustomFields.custom_field_applies_to)
        )
        return str(options.get(self.applies_to, self.applies_to))
