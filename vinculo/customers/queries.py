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
from vinculo.core.errors import ValidationFailed, field_message
from vinculo.core.pagination import Page, keyset_page
from vinculo.core.permissions import restrict
from vinculo.core.tagging.filters import TagAndFieldFilter
from vinculo.core.tagging.filters import suggest_tags as suggest_tags
from vinculo.customers.models import Address, ContactPoint, Customer

# Each sort order is backed by an index ending in id (see Customer.Meta.indexes).
SORTS: dict[str, tuple[list[str], Any]] = {
    "name": (["sort_name", "id"], gettext_lazy("Name (A–Z)")),
    "-name": (["-sort_name", "-id"], gettext_lazy("Name (Z–A)")),
    "-updated": (["-updated_at", "-id"], gettext_lazy("Recently updated")),
    "updated": (["updated_at", "id"], gettext_lazy("Least recently updated")),
}
DEFAULT_SORT = "-updated"


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
                errors[name] = [
                    field_message(
                        _("“%(v)s” is not one of the available choices.") % {"v": value},
                        "invalid_choice",
                    )
                ]
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
        org = str(params.get("organization") or "").strip()
        if org:
            if org.isdigit():
                f.organization = int(org)
            else:
                errors["organization"] = [_("Choose an organization.")]
        f.q = str(params.get("q") or "").strip()[:200]
        # Tags and custom fields: the filters every tagged model shares (core.tagging).
        tagged = TagAndFieldFilter.from_params(Customer, params, errors)
        f.tag, f.custom = tagged.tag, tagged.custom
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
        if self.organization:
            qs = qs.filter(organization_id=self.organization)
        return TagAndFieldFilter(tag=self.tag, custom=self.custom).apply(qs)

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
    base = restrict(Customer.objects.all(), user, "view")
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
    queryset = flt.apply(restrict(Customer.objects.all(), user, "view"), user)
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
        restrict(Customer.objects.all(), user, "view")
        .filter(organization=organization)
        .select_related("owner")
        .order_by("sort_name", "id")[:limit]
    )


@dataclass(frozen=True)
class CustomerRelations:
    """One customer's contact points, addresses and tag names, in their display order."""

    points: list[ContactPoint]
    addresses: list[Address]
    tag_names: list[str]


def relations_of(customer: Customer) -> CustomerRelations:
    """Three small indexed queries for one record (a detail page, an API answer):
    `prefetch_related` costs more than the queries themselves when there is one parent."""
    return CustomerRelations(
        points=list(ContactPoint.objects.filter(customer_id=customer.pk)),
        addresses=list(Address.objects.filter(customer_id=customer.pk)),
        tag_names=sorted(
            customer.tags.through.objects.filter(customer_id=customer.pk).values_list(
                "tag__name", flat=True
            )
        ),
    )
