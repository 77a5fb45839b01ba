"""Record visibility (own / team / all) in one place, used by pages, API, search and exports."""

from __future__ import annotations

from typing import Any, Protocol

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    NONE = "none", _("none")
    OWN = "own", _("own records")
    TEAM = "team", _("team's records")
    ALL = "all", _("all records")


class Actor(Protocol):
    """What visibility needs to know of a user (implemented by accounts.User)."""

    pk: Any
    is_active: bool

    def read_scope(self) -> str: ...
    def write_scope(self) -> str: ...
    def teammate_ids(self) -> list[int]: ...


def scope_q(user: Any, scope: str, owner_field: str) -> Q:
    """The filter for records whose owner (at `owner_field`) lies within `scope` of `user`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if scope == Scope.ALL:
        return Q()
    if scope == Scope.TEAM:
        return Q(**{f"{owner_field}_id__in": user.teammate_ids()})
    if scope == Scope.OWN:
        return Q(**{f"{owner_field}_id": user.pk})
    return Q(pk__in=[])


def owner_in_scope(user: Any, scope: str, owner_id: int | None) -> bool:
    """The object-level twin of `scope_q`, for one record already loaded."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if scope == Scope.ALL:
        return True
    if owner_id is None:
        return False
    if scope == Scope.TEAM:
        return owner_id in user.teammate_ids()
    if scope == Scope.OWN:
        return owner_id == user.pk
    return False


class VisibleQuerySet(models.QuerySet):
    """Querysets of owned records. Subclasses set `owner_field` (a path to a user FK)."""

    owner_field = "owner"

    def visible_to(self, user: Any) -> VisibleQuerySet:
        return self.filter(scope_q(user, user.read_scope() if user else "none", self.owner_field))

    def editable_by(self, user: Any) -> VisibleQuerySet:
        return self.filter(scope_q(user, user.write_scope() if user else "none", self.owner_field))


def can(user: Any, action: str, obj: Any) -> bool:
    """Object-level check: `obj.permits(user, action)` decides; unknown objects are refused."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    permits = getattr(obj, "permits", None)
    return bool(permits and permits(user, action))


def require_capability(user: Any, capability: str) -> None:
    """Raise NotAllowed unless `user` is an active, signed-in user whose role has
    `capability` (e.g. "can_manage_settings" for administrators)."""
    from vinculo.core.errors import NotAllowed

    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not user.is_active
        or not user.has_capability(capability)
    ):
        raise NotAllowed()
