"""Which record types an interaction (or any later "link to a record" feature) may point at.

Each app registers its linkable models in its AppConfig.ready() (customers: customer;
timeline: task, interaction; later sales: deal, order; service: ticket). A link names the
model by its label ("customers.customer") and the record by its primary key as text; it is
accepted only when the type is registered and the record exists and is visible to the
user, so links can neither reach arbitrary tables nor reveal which ids exist.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models

from vinculo.core.permissions import access_of, restrict

_LINKABLE: dict[str, type[models.Model]] = {}


def register_linkable(model: type[models.Model]) -> None:
    """Let links point at records of `model`; it must declare access rules (its "view" rule
    decides who may link to a record)."""
    access_of(model, required=True)
    label = model._meta.label_lower
    known = _LINKABLE.get(label)
    if known is not None and known is not model:
        raise ImproperlyConfigured(f"{label} is registered as linkable twice")
    _LINKABLE[label] = model


def linkable_model(label: str) -> type[models.Model] | None:
    """The registered model of a label such as "customers.customer" (any case), else None."""
    return _LINKABLE.get(label.strip().lower())


def linkable_labels() -> list[str]:
    return sorted(_LINKABLE)


def visible_target(user: Any, label: str, target_id: Any) -> models.Model | None:
    """The linked record if its type is registered, it exists and `user` may see it."""
    model = linkable_model(label)
    if model is None:
        return None
    try:
        pk = model._meta.pk.to_python(target_id)  # type: ignore[union-attr]
    except (ValidationError, TypeError, ValueError):
        return None
    if pk is None:
        return None
    try:
        return restrict(model._default_manager.all(), user, "view").filter(pk=pk).first()
    except (ValidationError, TypeError, ValueError):
        return None
