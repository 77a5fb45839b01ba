"""Global customer search: accent-insensitive names, emails, phones in any format, tax ids.

Results are ranked before they are cut to a page, in tiers:

0. an email or tax id equal to the query (b-tree lookups);
1. every customer whose whole name equals the query (the b-tree on `sort_name`: all of them,
   however many share the name, in id order);
2. every customer whose name begins with the query (a range of the same b-tree, in name
   order): "ferna" finds Fernanda and Fernando without reading the text index;
3-4. matches of the text index: names holding every word of the query as a word prefix,
   then the rest (organization, email, digits), each tier shortest name first.

SQLite reads the text index through an FTS5 table (unicode61, diacritics removed) kept in
step with SearchEntry by triggers; PostgreSQL through trigram GIN indexes on the same folded
text. Ranking every text match of a common word at a million rows would cost hundreds of
milliseconds, so the text tiers rank the first CANDIDATES matches the index hands over; the
exact tiers never depend on that bound. Pages follow one another with cursors holding the
rank key of the last row shown.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from vinculo.core.errors import ValidationFailed
from vinculo.core.permissions import owner_ids, restrict
from vinculo.customers.models import ContactPoint, Customer, SearchEntry
from vinculo.customers.normalize import digits, fold, looks_like_tax_id, phone_search_tokens

CANDIDATES = 1000  # text-index matches ranked per search
_TERM = re.compile(r"\w+", re.UNICODE)

# A rank key: (tier, position or name length, sort name, id); pages are cut between keys.
Key = tuple[int, int, str, int]


def document(customer: Customer, points: Iterable[ContactPoint], org_name: str = "") -> SearchEntry:
    """The search row of one customer, from its name, organization, contact points, tax id."""
    text_parts = [customer.name, org_name, customer.tax_id]
    numbers: list[str] = []
    for point in points:
        if point.kind == ContactPoint.Kind.PHONE:
            numbers.extend(phone_search_tokens(point.value))
        else:
            text_parts.append(point.value.split(":", 1)[-1])
    if customer.tax_id and customer.tax_id.isdigit():
        numbers.append(customer.tax_id)
    return SearchEntry(
        customer_id=customer.pk,
        owner_id=customer.owner_id,
        text=fold(" ".join(p for p in text_parts if p)),
        numbers=" ".join(dict.fromkeys(numbers)),
    )


def index_customers(customer_ids: Iterable[int]) -> None:
    """Rewrite the search rows of these customers; call inside the writing transaction."""
    ids = list(customer_ids)
    if not ids:
        return
    customers = Customer.objects.filter(pk__in=ids).select_related("organization")
    points: dict[int, list[ContactPoint]] = {}
    for point in ContactPoint.objects.filter(customer_id__in=ids):
        points.setdefault(point.customer_id, []).append(point)
    rows = [
        document(c, points.get(c.pk, []), c.organization.name if c.organization else "")
        for c in customers
    ]
    SearchEntry.objects.filter(customer_id__in=ids).delete()
    SearchEntry.objects.bulk_create(rows, batch_size=1000)


@dataclass
class Query:
    """A parsed search box entry."""

    raw: str
    terms: list[str]
    number: str
    email: str
    tax: tuple[str, str] | None
    name: str = ""  # the folded query as a stored sort_name would read, for exact names

    @classmethod
    def parse(cls, raw: str) -> Query:
        raw = raw.strip()[:200]
        has_letters = any(ch.isalpha() for ch in raw)
        number = digits(raw) if not has_letters or raw.startswith("+") else ""
        email = raw.lower() if "@" in raw else ""
        tax = looks_like_tax_id(raw)
        return cls(
            raw=raw,
            terms=[t for t in _TERM.findall(fold(raw)) if t][:8],
            number=number if len(number) >= 3 else "",
            email=email,
            tax=tax,
            name=" ".join(fold(raw).split()) if has_letters and not email and not tax else "",
        )

    @property
    def searchable(self) -> bool:
        if not self.raw or (not self.terms and not self.number):
            return False
        return bool(self.number) or max(len(t) for t in self.terms) >= 2


@dataclass
class SearchPage:
    """One page of ranked results; `next_cursor` is None on the last page."""

    items: list[Customer]
    next_cursor: str | None = None
    keys: list[Key] = field(default_factory=list, repr=False)


# --- visibility: the only place this module decides who sees what --------------------------


def visible_customers(user: Any) -> QuerySet[Customer]:
    """The customers `user` may find; every tier below reads through this queryset."""
    return restrict(Customer.objects.all(), user, "view")


# --- cursors ------------------------------------------------------------------------------


def _encode(key: Key) -> str:
    raw = json.dumps({"s": list(key)}, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> Key:
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        tier, position, name, pk = data["s"]
        if not all(isinstance(v, int) for v in (tier, position, pk)) or not isinstance(name, str):
            raise ValueError
        return (tier, position, name, pk)
    except (ValueError, KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        message = _("The page link is invalid or out of date.")
        raise ValidationFailed(message, errors={"cursor": [message]}) from None


# --- tiers --------------------------------------------------------------------------------


def _fts_match(q: Query) -> str | None:
    """An FTS5 expression with every term quoted, so user text is never FTS syntax."""
    if q.number:
        return f'numbers : "{q.number}"*'
    if q.terms:
        return "text : (" + " AND ".join(f'"{t}"*' for t in q.terms) + ")"
    return None


def _exact_ids(q: Query, base: QuerySet[Customer]) -> list[int]:
    """Customers whose tax id or email equals the query: b-tree lookups, ranked first."""
    ids: list[int] = []
    if q.tax:
        ids += list(base.filter(tax_id=q.tax[1]).order_by("pk").values_list("pk", flat=True)[:20])
    if q.email:
        owners = ContactPoint.objects.filter(kind="email", value=q.email).values("customer_id")
        ids += list(base.filter(pk__in=owners).order_by("pk").values_list("pk", flat=True)[:20])
    return list(dict.fromkeys(ids))


def _text_terms(q: Query) -> list[str]:
    """Terms for the text index. For an address typed in full or in part, only the part
    before "@": domain words such as "gmail" or "com" match a large share of all customers
    and would make every email search read most of the index."""
    if q.email:
        local = q.email.split("@", 1)[0]
        return [t for t in _TERM.findall(fold(local)) if t][:8]
    return q.terms


def _candidates(q: Query, base: QuerySet[Customer], user: Any) -> list[tuple[int, str]]:
    """(id, sort name) of at most CANDIDATES visible text-index matches."""
    terms = _text_terms(q)
    if connection.vendor == "postgresql":
        if q.number:
            match = SearchEntry.objects.filter(numbers__contains=q.number)
        elif terms:
            match = SearchEntry.objects.all()
            owners = owner_ids(user, Customer, "view")
            if owners is not None:
                # Narrow inside the (owner_id, text) index, by the owners Customer.access lets
                # the user see; `base` (restrict) still decides visibility.
                if not owners:
                    return []
                match = match.filter(owner_id__in=sorted(owners))
            for term in terms:
                match = match.filter(text__contains=term)
        else:
            return []
        found = base.filter(pk__in=match.values("customer_id"))
    else:
        expression = _fts_match(Query(q.raw, terms, q.number, q.email, q.tax))
        if expression is None:
            return []
        found = base.extra(
            where=[
                "customers_customer.id IN "
                "(SELECT rowid FROM customers_search_fts WHERE customers_search_fts MATCH %s)"
            ],
            params=[expression],
        )
    if q.name:
        found = found.exclude(sort_name=q.name[:200])  # tier 1 has them all already
    if _prefix(q):
        found = found.exclude(sort_name__startswith=_prefix(q))  # and tier 2 these
    return list(found.order_by().values_list("pk", "sort_name")[:CANDIDATES])


def _text_key(pk: int, sort_name: str, q: Query) -> Key:
    """Tier 3: every term begins a word of the name; 4: matched elsewhere (organization,
    email, digits). Shorter names first."""
    if q.terms and all(any(w.startswith(t) for w in _TERM.findall(sort_name)) for t in q.terms):
        tier = 3
    else:
        tier = 4
    return (tier, len(sort_name), sort_name, pk)


def _prefix(q: Query) -> str:
    """The name prefix tier 2 looks up, or "" when the b-tree range would not be exact (a
    prefix ending in a space or a sign, which some collations ignore)."""
    name = q.name[:200]
    return name if name and name[-1].isalnum() else ""


def _name_prefix_ids(
    base: QuerySet[Customer], prefix: str, exclude: list[int], after: Key | None, want: int
) -> list[tuple[int, str]]:
    """(id, sort name) of names beginning with `prefix`, longer than it, in name order."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    rows = base.filter(sort_name__gt=prefix, sort_name__lt=upper, sort_name__startswith=prefix)
    if after is not None and after[0] == 2:
        rows = rows.filter(
            Q(sort_name__gt=after[2]) | Q(sort_name=after[2], pk__gt=after[3]),
            sort_name__gte=after[2],
        )
    rows = rows.exclude(pk__in=exclude) if exclude else rows
    return list(rows.order_by("sort_name", "pk").values_list("pk", "sort_name")[:want])


def _ranked_keys(
    q: Query, base: QuerySet[Customer], user: Any, after: Key | None, want: int
) -> list[Key]:
    """Up to `want` rank keys following `after`, best first."""
    exact = _exact_ids(q, base)
    keys: list[Key] = [(0, i, "", pk) for i, pk in enumerate(exact)]
    keys = [k for k in keys if after is None or k > after][:want]
    if exact and (q.email or q.tax):
        return keys  # a full email or tax id that matched is the answer
    if q.name and len(keys) < want and (after is None or after[0] <= 1):
        same_name = base.filter(sort_name=q.name[:200]).exclude(pk__in=exact)
        if after is not None and after[0] == 1:
            same_name = same_name.filter(pk__gt=after[3])
        ids = same_name.order_by("pk").values_list("pk", flat=True)[: want - len(keys)]
        keys += [(1, 0, "", pk) for pk in ids]
    prefix = _prefix(q)
    if prefix and len(keys) < want and (after is None or after[0] <= 2):
        rows = _name_prefix_ids(base, prefix, exact, after, want - len(keys))
        keys += [(2, 0, sort_name, pk) for pk, sort_name in rows]
    if len(keys) < want:
        skip = set(exact)
        ranked = sorted(
            _text_key(pk, sort_name, q)
            for pk, sort_name in _candidates(q, base, user)
            if pk not in skip
        )
        keys += [k for k in ranked if after is None or k > after][: want - len(keys)]
    return keys


def search_page(
    user: Any,
    raw: str,
    *,
    size: int = 20,
    cursor: str | None = None,
    queryset: QuerySet[Customer] | None = None,
) -> SearchPage:
    """One page of the customers visible to `user` matching the search box text, best first.

    `queryset` narrows further (list filters); it must already be limited to what `user` may
    see (start it from `visible_customers(user)`)."""
    q = Query.parse(raw)
    if not q.searchable:
        return SearchPage([])
    after = _decode(cursor) if cursor else None
    base = queryset if queryset is not None else visible_customers(user)
    keys = _ranked_keys(q, base, user, after, size + 1)
    more = len(keys) > size
    keys = keys[:size]
    rows = Customer.objects.select_related("organization", "owner").in_bulk([k[3] for k in keys])
    keys = [k for k in keys if k[3] in rows]
    return SearchPage(
        items=[rows[k[3]] for k in keys],
        next_cursor=_encode(keys[-1]) if more and keys else None,
        keys=keys,
    )


def search_customers(user: Any, raw: str, *, limit: int = 20) -> list[Customer]:
    """Customers visible to `user` matching the search box text, best first (the first page
    of `search_page`)."""
    return search_page(user, raw, size=limit).items
