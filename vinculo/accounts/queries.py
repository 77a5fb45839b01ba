"""Read-side helpers for the accounts pages: lists, labels and choices."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from vinculo.accounts.models import ApiToken, Role, Team, User
from vinculo.core.pagination import Page, keyset_page
from vinculo.core.permissions import owner_ids

USERS_PAGE_SIZE = 50
TEAMS_PAGE_SIZE = 50

# Role names are stored in English by the migration; show the translated name for the
# seven default roles.
ROLE_LABELS = {
    Role.ADMINISTRATOR: _("Administrator"),
    Role.MANAGER: _("Manager"),
    Role.SALES: _("Sales"),
    Role.SERVICE: _("Service"),
    Role.MARKETING: _("Marketing"),
    Role.ANALYST: _("Analyst"),
    Role.READ_ONLY: _("Read-only"),
}


def role_label(role: Role | None) -> str:
    """The translated display name of a role."""
    if role is None:
        return str(_("No role"))
    return str(ROLE_LABELS.get(role.code, role.name))


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@functools.lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    """IANA zone names the system knows (the filesystem scan runs once per process)."""
    return frozenset(zoneinfo.available_timezones())


def time_zone_choices() -> list[tuple[str, str]]:
    """Region/City zones, sorted, for the time zone select."""
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names()) if "/" in name]


def users_page(*, query: str = "", cursor: str | None = None, size: int = USERS_PAGE_SIZE) -> Page:
    """Users by name, with role and teams loaded in two extra queries (no N+1)."""
    qs = User.objects.select_related("role").prefetch_related("teams")
    query = " ".join(query.split())
    if query:
        for term in query.split(" ")[:5]:
            qs = qs.filter(
                Q(username__icontains=term)
                | Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(email__icontains=term)
            )
    return keyset_page(qs, order=["first_name", "last_name", "id"], cursor=cursor, size=size)


def teams_page(*, cursor: str | None = None, size: int = TEAMS_PAGE_SIZE) -> Page:
    """Teams by name with their member counts."""
    qs = Team.objects.annotate(member_count=Count("members"))
    return keyset_page(qs, order=["name", "id"], cursor=cursor, size=size)


def active_tokens(user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def roles_with_users() -> list[Any]:
    """The roles with how many active users hold each."""
    return list(
        Role.objects.annotate(user_count=Count("users", filter=Q(users__is_active=True))).order_by(
            "id"
        )
    )


@dataclass(frozen=True)
class StaffMember:
    """A user as choice lists show one: its id and name (the same text as User.__str__)."""

    pk: int
    username: str
    first_name: str
    last_name: str

    @property
    def id(self) -> int:
        return self.pk

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username

    @classmethod
    def of(cls, user: Any) -> StaffMember:
        return cls(user.pk, user.username, user.first_name, user.last_name)


def staff_for(user: Any, model: type[models.Model], action: str) -> list[StaffMember]:
    """Active users whose records of `model` `user` may `action` (their owner lies within
    the rule), e.g. the owner filter of the customer list ("view"), owners a customer may
    be given to ("reassign"), people a task may be assigned to ("add").

    Staff is small (tens to hundreds of people), so a plain list is fine here; rows, not
    User instances, because every page with an owner filter or a task form lists them."""
    users = User.objects.filter(is_active=True)
    owners = owner_ids(user, model, action)
    if owners is not None:
        users = users.filter(pk__in=sorted(owners))
    fields = ("pk", "username", "first_name", "last_name")
    return [StaffMember(*row) for row in users.values_list(*fields)]
