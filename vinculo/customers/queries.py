"""Read side of customers: the one filter set the list page and the API share, sort orders
that match indexes, and keyset pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vinculo.core.counts import Total, list_total
from vinculo.core.errors import ValidationFailed
from vinculo.core.pagination import Page, keyset_page
from vinculo.customers.custom_fields import active_definitions, clean_value
from vinculo.customers.models import ContactPoint, Customer, CustomFieldDefinition, Tag

# Each sort order is backed by an index ending in id (see Customer.Meta.indexes).
SORTS: dict[str, tuple[list[str], Any]] = {
    "name": (["sort_name", "id"], gettext_lazy("Name (A–Z)")),
    "-name": (["-sort_name", "-id"], gettext_lazy("Name (Z–A)")),
    "-updated": (["-updated_at", "-id"], gettext_lazy("Recently updated")),
    "updated": (["updated_at", "id"], gettext_lazy("Least recently updated")),
}
DEFAULT_SORT = "-updated"
CUSTOM_PREFIX = "cf_"


@dataclass
class CustomerFilter:
    """Validated list filters. Build it with `from_params` from a query string or API call."""

    kind: str = ""
    stage: str = ""
    source: str = ""
    owner: str = ""  # "me", "none" or a user id
    tag: str = ""
    organization: int | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    custom: list[tuple[str, str, Any]] = field(default_factory=list)  # (key, op, value)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CustomerFilter:
        errors: dict[str, list[str]] = {}
        f = cls()

        def pick(name: str, allowed: list[str]) -> str:
            value = str(params.get(name) or "").strip()
            if value and value not in allowed:
                errors[name] = [_("“%(v)s” is not one of the available choices.") % {"v": value}]
                return ""
            return value

        f.kind = pick("kind", Customer.Kind.values)
        f.stage = pick("stage", Customer.Stage.values)
        f.source = pick("source", Customer.Source.values)
        f.sort = pick("sort", list(SORTS)) or DEFAULT_SORT
        owner = str(params.get("owner") or "").strip()
        if owner and owner not in ("me", "none") and not owner.isdigit():
            errors["owner"] = [_("Choose a user.")]
        else:
            f.owner = owner
        f.tag = str(params.get("tag") or "").strip()[:60]
        org = str(params.get("organization") or "").strip()
        if org:
            if org.isdigit():
                f.organization = int(org)
            else:
                errors["organization"] = [_("Choose an organization.")]
        f.q = str(params.get("q") or "").strip()[:200]
        definitions = {d.key: d for d in active_definitions()}
        for name in params:
            if not name.startswith(CUSTOM_PREFIX):
                continue
            key, _sep, op = name[len(CUSTOM_PREFIX) :].partition("__")
            raw = params.get(name)
            if raw in (None, ""):
                continue
            definition = definitions.get(key)
            if definition is None:
                errors[name] = [_("Unknown custom field.")]
                continue
            ranged = definition.field_type in (
                CustomFieldDefinition.FieldType.NUMBER,
                CustomFieldDefinition.FieldType.MONEY,
                CustomFieldDefinition.FieldType.DATE,
            )
            if op not in ("", "gte", "lte") or (op and not ranged):
                errors[name] = [_("Unknown filter.")]
                continue
            try:
                f.custom.append((key, op, clean_value(definition, raw)))
            except ValueError as exc:
                errors[name] = [str(exc)]
        if errors:
            raise ValidationFailed(errors=errors)
        return f

    def apply(self, queryset: QuerySet[Customer], user: Any) -> QuerySet[Customer]:
        qs = queryset
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.stage:
            qs = qs.filter(stage=self.stage)
        if self.source:
            qs = qs.filter(source=self.source)
        if self.owner == "me":
            qs = qs.filter(owner_id=user.pk)
        elif self.owner == "none":
            qs = qs.filter(owner__isnull=True)
        elif self.owner:
            qs = qs.filter(owner_id=int(self.owner))
        if self.tag:
            tag = Tag.objects.filter(name=self.tag).first()
            qs = qs.filter(tags=tag) if tag else qs.none()
        if self.organization:
            qs = qs.filter(organization_id=self.organization)
        for key, op, value in self.custom:
            lookup = f"custom_data__{key}" + (f"__{op}" if op else "")
            qs = qs.filter(**{lookup: value})
        return qs

    def is_filtered(self) -> bool:
        return bool(
            self.kind
            or self.stage
            or self.source
            or self.owner
            or self.tag
            or self.organization
            or self.q
            or self.custom
        )


def customer_page(user: Any, flt: CustomerFilter, *, cursor: str | None, size: int) -> Page:
    """A page of customers visible to `user`. With a text query, the best search matches,
    the filters applied in the database, one ranked page after another."""
    base = Customer.objects.visible_to(user)
    if flt.q:
        from vinculo.customers.search import search_page

        found = search_page(user, flt.q, size=size, cursor=cursor, queryset=flt.apply(base, user))
        return Page(items=with_list_relations(found.items), next_cursor=found.next_cursor)
    order = SORTS[flt.sort][0]
    rows = flt.apply(base, user).select_related("owner", "organization")
    # A team's customers are read one owner's index range at a time (core.pagination): a
    # team scope shows only customers whose owner is a teammate (or, at most, no owner).
    split = ("owner_id", user.teammate_ids()) if user.read_scope() == "team" else None
    page = keyset_page(rows, order=order, cursor=cursor, size=size, split=split)
    page.items = with_list_relations(page.items)
    return page


def customer_total(user: Any, flt: CustomerFilter, page: Page) -> Total | None:
    """How many customers the list holds: exact when cheap to count, else an estimate from
    the database's statistics (core.counts). None for a text search (ranked, not counted)."""
    if flt.q:
        return None
    if page.prev_cursor is None and page.next_cursor is None:
        return Total(len(page.items))  # the whole list is on this page
    queryset = flt.apply(Customer.objects.visible_to(user), user)
    return list_total(queryset, whole_table=not flt.is_filtered() and user.read_scope() == "all")


def with_list_relations(customers: list[Customer]) -> list[Customer]:
    """Attach owner, organization, primary email/phone and tags with a fixed number of queries."""
    if not customers:
        return customers
    ids = [c.pk for c in customers]
    if all(_has_relations(c) for c in customers):
        by_id = {c.pk: c for c in customers}
    else:
        by_id = {
            c.pk: c
            for c in Customer.objects.filter(pk__in=ids).select_related("owner", "organization")
        }
    primary: dict[tuple[int, str], str] = {}
    for point in ContactPoint.objects.filter(
        customer_id__in=ids, kind__in=["email", "phone"]
    ).order_by("-is_primary", "position", "id"):
        primary.setdefault((point.customer_id, point.kind), point.value)
    tags: dict[int, list[str]] = {}
    for customer_id, name in Customer.tags.through.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "tag__name"
    ):
        tags.setdefault(customer_id, []).append(name)
    out = []
    for c in customers:
        full = by_id.get(c.pk, c)
        full.primary_email = primary.get((c.pk, "email"), "")  # type: ignore[attr-defined]
        full.primary_phone = primary.get((c.pk, "phone"), "")  # type: ignore[attr-defined]
        full.tag_names = sorted(tags.get(c.pk, []))  # type: ignore[attr-defined]
        out.append(full)
    return out


def _has_relations(customer: Customer) -> bool:
    """Owner and organization already loaded (select_related), so not read again."""
    cache = customer._state.fields_cache
    return (customer.owner_id is None or "owner" in cache) and (
        customer.organization_id is None or "organization" in cache
    )


def suggest_customers(user: Any, q: str, *, kind: str = "", limit: int = 10) -> list[Customer]:
    """A few visible customers matching `q` (optionally of one kind), for choosers in forms.

    Goes through global search, so it stays an index lookup at any table size."""
    from vinculo.customers.search import search_page, visible_customers

    if len(q.strip()) < 2:
        return []
    queryset = visible_customers(user)
    if kind:
        queryset = queryset.filter(kind=kind)
    return search_page(user, q, size=limit, queryset=queryset).items


def people_of(organization: Customer, user: Any, *, limit: int = 50) -> list[Customer]:
    """The first people (by name) of an organization that `user` may see."""
    return list(
        Customer.objects.visible_to(user)
        .filter(organization=organization)
        .select_related("owner")
        .order_by("sort_name", "id")[:limit]
    )


@dataclass(frozen=True)
class StaffMember:
    """A user as choice lists show one: its id and its name (the User's own __str__)."""

    pk: int
    username: str
    first_name: str
    last_name: str

    @property
    def id(self) -> int:
        return self.pk

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username


def staff_in_scope(user: Any, scope: str) -> list[Any]:
    """Active users within `scope` (own / team / all) of `user`: owner and assignee choices.

    Staff is small (tens to hundreds of people), so a plain list is fine here; rows, not
    model instances, since every page with an owner filter or a task form lists them."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True)
    if scope == "team":
        users = users.filter(pk__in=user.teammate_ids())
    elif scope == "own":
        users = users.filter(pk=user.pk)
    elif scope != "all":
        return []
    fields = ("pk", "username", "first_name", "last_name")
    return [StaffMember(*row) for row in users.values_list(*fields)]
