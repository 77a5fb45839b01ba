"""Global customer search: accent-insensitive names, emails, phones in any format, tax ids.

SQLite answers through an FTS5 table (unicode61, diacritics removed) kept in step with
SearchEntry by triggers; PostgreSQL through trigram GIN indexes on the same folded text.
Both fetch a bounded set of candidates through an index and rank only those.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from vinculo.core.permissions import owner_ids, restrict
from vinculo.customers.models import ContactPoint, Customer, SearchEntry
from vinculo.customers.normalize import digits, fold, looks_like_tax_id, phone_search_tokens

CANDIDATES = 200
_TERM = re.compile(r"\w+", re.UNICODE)


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

    @classmethod
    def parse(cls, raw: str) -> Query:
        raw = raw.strip()[:200]
        has_letters = any(ch.isalpha() for ch in raw)
        number = digits(raw) if not has_letters or raw.startswith("+") else ""
        return cls(
            raw=raw,
            terms=[t for t in _TERM.findall(fold(raw)) if t][:8],
            number=number if len(number) >= 3 else "",
            email=raw.lower() if "@" in raw else "",
            tax=looks_like_tax_id(raw),
        )


def _fts_match(q: Query) -> str | None:
    """An FTS5 expression with every term quoted, so user text is never FTS syntax."""
    if q.number:
        return f'numbers : "{q.number}"*'
    if q.terms:
        return "text : (" + " AND ".join(f'"{t}"*' for t in q.terms) + ")"
    return None


def _exact_ids(q: Query, base: Any) -> list[int]:
    """Customers whose tax id or email equals the query: b-tree lookups, ranked first."""
    ids: list[int] = []
    if q.tax:
        ids += list(base.filter(tax_id=q.tax[1]).values_list("pk", flat=True)[:20])
    if q.email:
        owners = ContactPoint.objects.filter(kind="email", value=q.email).values("customer_id")
        ids += list(base.filter(pk__in=owners).values_list("pk", flat=True)[:20])
    return ids


def _text_terms(q: Query) -> list[str]:
    """Terms for the text index. For an address typed in full or in part, only the part
    before "@": domain words such as "gmail" or "com" match a large share of all customers
    and would make every email search read most of the index."""
    if q.email:
        local = q.email.split("@", 1)[0]
        return [t for t in _TERM.findall(fold(local)) if t][:8]
    return q.terms


def _candidate_ids(q: Query, base: Any, user: Any) -> list[int]:
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
        return list(
            base.filter(pk__in=match.values("customer_id")).values_list("pk", flat=True)[
                :CANDIDATES
            ]
        )
    expression = _fts_match(Query(q.raw, terms, q.number, q.email, q.tax))
    if expression is None:
        return []
    matched = base.extra(
        where=[
            "customers_customer.id IN "
            "(SELECT rowid FROM customers_search_fts WHERE customers_search_fts MATCH %s)"
        ],
        params=[expression],
    )
    return list(matched.values_list("pk", flat=True)[:CANDIDATES])


def _score(pk: int, raw_name: str, q: Query, exact: set[int]) -> tuple[int, int, str, int]:
    name = fold(raw_name)
    if pk in exact:
        rank = 0
    elif q.terms and name.startswith(" ".join(q.terms)):
        rank = 1
    elif q.terms and all(any(w.startswith(t) for w in name.split()) for t in q.terms):
        rank = 2
    else:
        rank = 3
    return (rank, len(name), name, pk)


def search_customers(user: Any, raw: str, *, limit: int = 20) -> list[Customer]:
    """Customers visible to `user` matching the search box text, best first."""
    q = Query.parse(raw)
    if not q.raw or (not q.terms and not q.number):
        return []
    if q.terms and not q.number and max(len(t) for t in q.terms) < 2:
        return []
    base = restrict(Customer.objects.all(), user, "view")
    exact = _exact_ids(q, base)
    # A full email or tax id that matched is the answer; no need to read the text index.
    found = exact if exact and (q.email or q.tax) else exact + _candidate_ids(q, base, user)
    ids = list(dict.fromkeys(found))
    if not ids:
        return []
    # Rank the candidates on (id, name) alone; load whole rows only for the ones shown.
    exact_set = set(exact)
    ranked = sorted(
        Customer.objects.filter(pk__in=ids).values_list("pk", "name"),
        key=lambda row: _score(row[0], row[1], q, exact_set),
    )
    top = [pk for pk, _name in ranked[:limit]]
    rows = Customer.objects.select_related("organization", "owner").in_bulk(top)
    return [rows[pk] for pk in top if pk in rows]
