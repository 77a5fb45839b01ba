"""Who may do what to which records, in one place, for pages, API, search and exports.

Each model that holds owned records declares its rules once, as an `Access` of small rule
objects (`Owner("read")`, `Creator()`, `Via("customer", "view")`, …), one rule per action
(view / add / change / delete / log, plus app verbs such as "reassign"). The same rule is
read three ways, so a list, a button and a service can never disagree:

- `restrict(queryset, user, action)` (also `Model.objects.restrict(user, action)`): the
  records the user may act on, as one SQL filter;
- `can(user, action, obj)`: the same question for one loaded (or unsaved) record;
- `can_create(user, Model)`: whether the user may add any record of the model at all
  (pages hide "New" buttons, services refuse with NotAllowed).

`owner_ids(user, Model, action)` returns the owners whose records can pass, or None when
the rule does not narrow by owner (scope "all", or rules that also look elsewhere): search
uses it to filter inside an index; it is a pre-filter only, never the whole check.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

M = TypeVar("M", bound=models.Model)

VIEW, ADD, CHANGE, DELETE, LOG = "view", "add", "change", "delete", "log"


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
    def has_capability(self, name: str) -> bool: ...


def is_active_user(user: Any) -> bool:
    """A signed-in, active user: everyone else may do nothing at all."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def owner_in_scope(user: Any, scope: str, owner_id: int | None) -> bool:
    """Whether a record owned by `owner_id` lies within `scope` (own / team / all) of `user`.
    Unowned records (owner_id None) lie only within "all"."""
    if not is_active_user(user):
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


def _scope_owners(user: Any, scope: str) -> frozenset[int] | None:
    """The owner ids within `scope` of `user`; None means every owner (and no owner)."""
    if scope == Scope.ALL:
        return None
    if scope == Scope.TEAM:
        return frozenset(user.teammate_ids())
    if scope == Scope.OWN:
        return frozenset([user.pk])
    return frozenset()


# --- rules ---------------------------------------------------------------------------------

# A filter is a Q, or True (every record) / False (no record): keeping the two constants apart
# from Q() matters, since `Q() | Q(x)` is just `Q(x)` and would turn "all" into "x only".
Filter = Q | bool


class Rule:
    """One condition on a user and a record. Subclasses answer it as a filter (`q`), for one
    record (`check`), for "any record at all" (`possible`) and as an owner pre-filter."""

    def q(self, user: Any, access: Access, prefix: str) -> Filter:
        raise NotImplementedError

    def check(self, user: Any, access: Access, obj: Any) -> bool:
        raise NotImplementedError

    def possible(self, user: Any, access: Access) -> bool:
        raise NotImplementedError

    def owners(self, user: Any) -> frozenset[int] | None:
        """Owners of every record that may pass (a superset is fine); None: not narrowable."""
        return None

    def __or__(self, other: Rule) -> Rule:
        return AnyOf(self, other)

    def __and__(self, other: Rule) -> Rule:
        return AllOf(self, other)


class _Constant(Rule):
    value = False

    def q(self, user: Any, access: Access, prefix: str) -> Filter:
        return self.value

    def check(self, user: Any, access: Access, obj: Any) -> bool:
        return self.value

    def possible(self, user: Any, access: Access) -> bool:
        return self.value

    def owners(self, user: Any) -> frozenset[int] | None:
        return None if self.value else frozenset()


class _Always(_Constant):
    value = True


Always: Rule = _Always()
Never: Rule = _Constant()


class Owner(Rule):
    """The record's owner lies within a scope of the user: "read" or "write" (the role's
    scopes) or a fixed Scope such as Scope.OWN."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def _scope(self, user: Any) -> str:
        if self.scope == "read":
            return str(user.read_scope())
        if self.scope == "write":
            return str(user.write_scope())
        return self.scope

    def q(self, user: Any, access: Access, prefix: str) -> Filter:
        owners = _scope_owners(user, self._scope(user))
        if owners is None:
            return True
        if not owners:
            return False
        column = f"{prefix}{access.owner}_id"
        if len(owners) == 1:
            return Q(**{column: next(iter(owners))})
        return Q(**{f"{column}__in": sorted(owners)})

    def check(self, user: Any, access: Access, obj: Any) -> bool:
        return owner_in_scope(user, self._scope(user), getattr(obj, f"{access.owner}_id"))

    def possible(self, user: Any, access: Access) -> bool:
        return self._scope(user) in (Scope.OWN, Scope.TEAM, Scope.ALL)

    def owners(self, user: Any) -> frozenset[int] | None:
        return _scope_owners(user, self._scope(user))


class Creator(Rule):
    """The user created the record (the model's `creator` field)."""

    def q(self, user: Any, access: Access, prefix: str) -> Filter:
        return Q(**{f"{prefix}{access.creator}_id": user.pk})

    def check(self, user: Any, access: Access, obj: Any) -> bool:
        return bool(getattr(obj, f"{access.creator}_id") == user.pk)

    def possible(self, user: Any, access: Access) -> bool:
        return True


class _UserTest(Rule):
    """A condition on the user alone: every record or none."""

    def test(self, user: Any) -> bool:
        raise NotImplementedError

    def q(self, user: Any, access: Access, prefix: str) -> Filter:
        return self.test(user)

    def check(self, user: Any, access: Access, obj: Any) -> bool:
        return self.test(user)

    def possible(self, user: Any, access: Access) -> bool:
        return self.test(user)

    def owners(self, user: Any) -> frozenset[int] | None:
        return None if self.test(user) else frozenset()


class Capability(_UserTest):
    """The user's role has this capability (e.g. "can_reassign")."""

    def __init__(self, name: str) -> None:
        self.name = name

    def test(self, user: Any) -> bool:
        return bool(user.has_capability(self.name))


class Writes(_UserTest):
    """The user's role may write at all (its write scope is not "none")."""

    def test(self, user: Any) -> bool:
        return user.write_scope() in (Scope.OWN, Scope.TEAM, Scope.ALL)


class Via(Rule):
    """The record's `field` (a foreign key) points at a record that passes `action` of that
    model's own rules: an interaction is visible when its customer is."""

    def __init__(self, field: str, action: str) -> None:
        self.field = field
        self.action = action

    def _target(self, access: Access) -> Access:
        if access.model is None:
            raise ImproperlyConfigured("Via() needs rules declared on a model")
        related = access.model._meta.get_field(self.field).related_model
        return access_of(related, required=True)

    def q(self, user: Any, access: Access, prefix: str) -> Filter:
        target = self._target(access)
        return target.rule(self.action).q(user, target, f"{prefix}{self.field}__")

    def check(self, user: Any, access: Access, obj: Any) -> bool:
        related = getattr(obj, self.field, None)
        if related is None:
            return False
        target = self._target(access)
        return target.rule(self.action).check(user, target, related)

    def possible(self, user: Any, access: Access) -> bool:
        target = self._target(access)
        return target.rule(self.action).possible(user, target)


class AnyOf(Rule):
    def __init__(self, *rules: Rule) -> None:
        self.rules = rules

    def q(self, user: Any, access: Access, prefix: str) -> Filter:
        parts: list[Q] = []
        for rule in self.rules:
            part = rule.q(user, access, prefix)
            if part is True:
                return True
            if part is not False:
                parts.append(part)
        if not parts:
            return False
        combined = parts[0]
        for part in parts[1:]:
            combined = combined | part
        return combined

    def check(self, user: Any, access: Access, obj: Any) -> bool:
        return any(rule.check(user, access, obj) for rule in self.rules)

    def possible(self, user: Any, access: Access) -> bool:
        return any(rule.possible(user, access) for rule in self.rules)

    def owners(self, user: Any) -> frozenset[int] | None:
        found: frozenset[int] = frozenset()
        for rule in self.rules:
            owners = rule.owners(user)
            if owners is None:
                return None
            found = found | owners
        return found


class AllOf(Rule):
    def __init__(self, *rules: Rule) -> None:
        self.rules = rules

    def q(self, user: Any, access: Access, prefix: str) -> Filter:
        parts: list[Q] = []
        for rule in self.rules:
            part = rule.q(user, access, prefix)
            if part is False:
                return False
            if part is not True:
                parts.append(part)
        if not parts:
            return True
        combined = parts[0]
        for part in parts[1:]:
            combined = combined & part
        return combined

    def check(self, user: Any, access: Access, obj: Any) -> bool:
        return all(rule.check(user, access, obj) for rule in self.rules)

    def possible(self, user: Any, access: Access) -> bool:
        return all(rule.possible(user, access) for rule in self.rules)

    def owners(self, user: Any) -> frozenset[int] | None:
        found: frozenset[int] | None = None
        for rule in self.rules:
            owners = rule.owners(user)
            if owners is not None:
                found = owners if found is None else found & owners
        return found


class Access:
    """A model's rules, one per action; actions without a rule are refused.

    Declared on the model as `access = Access(owner="owner", view=Owner("read"), …)`:
    `owner` names the user foreign key that `Owner` rules read, `creator` the one that
    `Creator` rules read."""

    def __init__(self, *, owner: str = "", creator: str = "", **rules: Rule) -> None:
        self.owner = owner
        self.creator = creator
        self.rules = rules
        self.model: type[models.Model] | None = None

    def contribute_to_class(self, cls: type[models.Model], name: str) -> None:
        """Called by Django's model metaclass: remember the model the rules belong to."""
        self.model = cls
        setattr(cls, name, self)

    def rule(self, action: str) -> Rule:
        return self.rules.get(action, Never)

    @property
    def actions(self) -> list[str]:
        return list(self.rules)


def access_of(model: Any, *, required: bool = False) -> Access:
    """The rules of a model (class or instance). Without rules every action is refused;
    `required` makes that a configuration error instead (querysets must not guess)."""
    found = getattr(model, "access", None)
    if isinstance(found, Access):
        return found
    if required:
        raise ImproperlyConfigured(f"{model!r} declares no `access` rules")
    return Access()


# --- the questions pages, API, search and services ask ----------------------------------------


def restrict(queryset: models.QuerySet[M], user: Any, action: str) -> models.QuerySet[M]:
    """The records of `queryset` on which `user` may perform `action` (one SQL filter)."""
    if not is_active_user(user):
        return queryset.none()
    access = access_of(queryset.model, required=True)
    condition = access.rule(action).q(user, access, "")
    if condition is True:
        return queryset
    if condition is False:
        return queryset.none()
    return queryset.filter(condition)


def can(user: Any, action: str, obj: Any) -> bool:
    """Whether `user` may perform `action` on `obj` (a loaded or unsaved record); the same
    rule as `restrict`, checked in memory. Objects without rules are refused."""
    if not is_active_user(user):
        return False
    access = access_of(obj)
    return access.rule(action).check(user, access, obj)


def can_create(user: Any, model: type[models.Model]) -> bool:
    """Whether `user` may add any record of `model` at all: pages show "New" buttons on it,
    services refuse without it (`require_create`). Which record exactly (its owner, its
    customer) is then `can(user, "add", unsaved_record)`."""
    if not is_active_user(user):
        return False
    access = access_of(model)
    return access.rule(ADD).possible(user, access)


def owner_ids(user: Any, model: type[models.Model], action: str) -> frozenset[int] | None:
    """The owners whose records of `model` may pass `action`, or None when the rule does
    not narrow by owner. A pre-filter for indexes (search); `restrict` still decides."""
    if not is_active_user(user):
        return frozenset()
    access = access_of(model, required=True)
    return access.rule(action).owners(user)


def require(user: Any, action: str, obj: Any) -> None:
    """Raise NotAllowed unless `can(user, action, obj)`."""
    from vinculo.core.errors import NotAllowed

    if not can(user, action, obj):
        raise NotAllowed()


def require_create(user: Any, model: type[models.Model]) -> None:
    """Raise NotAllowed unless `can_create(user, model)`."""
    from vinculo.core.errors import NotAllowed

    if not can_create(user, model):
        raise NotAllowed()


class VisibleQuerySet(models.QuerySet):
    """Querysets of records whose model declares `access` rules."""

    def restrict(self, user: Any, action: str) -> VisibleQuerySet:
        return restrict(self, user, action)  # type: ignore[return-value,type-var]

    def visible_to(self, user: Any) -> VisibleQuerySet:
        """Alias of `restrict(user, "view")`."""
        return self.restrict(user, VIEW)

    def editable_by(self, user: Any) -> VisibleQuerySet:
        """Alias of `restrict(user, "change")`."""
        return self.restrict(user, CHANGE)


def require_capability(user: Any, capability: str) -> None:
    """Raise NotAllowed unless `user` is an active, signed-in user whose role has
    `capability` (e.g. "can_manage_settings" for administrators)."""
    from vinculo.core.errors import NotAllowed

    if not is_active_user(user) or not user.has_capability(capability):
        raise NotAllowed()
