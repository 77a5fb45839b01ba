"""Timings through HTTP against the running server (`vinculo serve` with its defaults).

Each line asks a set of distinct inputs (stated on the line) twice in a row: the first
answer of an input is its "cold" sample (the server has not seen that input; the database
pages it needs may or may not be in memory), the second its "warm" sample. p50/p95 are
nearest-rank over the samples of one kind; "max" is the slowest single answer. A line
meets its target when the p95 (or p50, where the target says so) of its cold samples does.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bench.client import Answer, Client
from bench.measure import (
    Sample,
    _folded_name,
    _name_fragment,
    _typed_phone,
    _typed_tax_id,
    percentile,
)

TARGET_SEARCH_MS = 20.0  # issue 11, section 8: p95 at 1M customers
TARGET_API_DETAIL_P50_MS = 5.0
TARGET_360_MS = 150.0
TARGET_LIST_MS = 100.0
SEARCH = "/search/"
LIST = "/customers/"
_LINK = re.compile(rb'href="/customers/(\d+)/"')
_NEXT = re.compile(rb'rel="next" href="([^"]+)"')


@dataclass
class Line:
    name: str
    scope: str
    target_ms: float
    inputs: str  # what was asked, in words
    statistic: str = "p95"
    cold_ms: list[float] = field(default_factory=list)
    warm_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    found: int | None = None  # full-name lines: expected person on the first page
    tried: int | None = None
    note: str = ""
    slowest_input: str = ""

    def stat(self, values: list[float], pct: float) -> float:
        return percentile(values, pct)

    @property
    def met(self) -> bool:
        pct = 50 if self.statistic == "p50" else 95
        return (
            not self.errors
            and bool(self.cold_ms)
            and self.stat(self.cold_ms, pct) <= (self.target_ms)
        )

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items()}
        for kind in ("cold", "warm"):
            values = getattr(self, f"{kind}_ms")
            data[f"{kind}_n"] = len(values)
            data[f"{kind}_p50"] = percentile(values, 50)
            data[f"{kind}_p95"] = percentile(values, 95)
            data[f"{kind}_max"] = max(values) if values else float("nan")
        data["met"] = self.met
        return data


def _ask(line: Line, client: Client, url: str, *, htmx: bool = False) -> Answer:
    """The input twice: cold then warm. Returns the first answer."""
    first = client.get(url, htmx=htmx)
    second = client.get(url, htmx=htmx)
    for answer in (first, second):
        if answer.status != 200:
            line.errors.append(f"{url}: {answer.status} {answer.error}".strip())
    line.cold_ms.append(first.ms)
    line.warm_ms.append(second.ms)
    if first.ms >= max(line.cold_ms):
        line.slowest_input = url
    return first


def _on_page(body: bytes, customer_id: int) -> bool:
    return any(int(m) == customer_id for m in _LINK.findall(body))


def _first_last(s: Sample) -> str | None:
    words = s.name.split()
    return f"{words[0]} {words[-1]}" if len(words) >= 3 else None


# --- search -----------------------------------------------------------------------------


def search_lines(
    clients: dict[str, Client], pool: dict[str, list[Sample]], k: int, seed: int
) -> list[Line]:
    rng = random.Random(seed)
    kinds: list[tuple[str, Callable[[Sample], str | None], bool]] = [
        ("full name", lambda s: s.name, True),
        ("first and last name of a three-word name", _first_last, True),
        ("name fragment (one word, shortened)", lambda s: _name_fragment(s, rng), False),
        ("accent-folded name (joao → João)", _folded_name, False),
        ("email", lambda s: s.email or None, True),
        ("phone typed (11) 98765-4321", _typed_phone, True),
        ("tax id with punctuation", _typed_tax_id, True),
    ]
    out: list[Line] = []
    for scope, client in clients.items():
        for kind, make, must_find in kinds:
            inputs = [(s, q) for s in pool[scope] for q in [make(s)] if q][:k]
            line = Line(
                f"search dropdown (top bar, 8 results): {kind}",
                scope,
                TARGET_SEARCH_MS,
                f"{len(inputs)} distinct queries from customers drawn at random",
            )
            if must_find:
                line.found, line.tried = 0, 0
            for sample, query in inputs:
                first = _ask(line, client, f"{SEARCH}?q={quote(query)}", htmx=True)
                if must_find:
                    line.tried = (line.tried or 0) + 1
                    line.found = (line.found or 0) + _on_page(first.body, sample.id)
            if must_find:
                line.note = "the drawn customer is among the 8 shown for {found} of {tried}"
            out.append(line)
        for kind, make in [("full name", lambda s: s.name), ("first and last name", _first_last)]:
            inputs = [(s, q) for s in pool[scope] for q in [make(s)] if q][:k]
            line = Line(
                f"search results page (50 per page): {kind}",
                scope,
                TARGET_SEARCH_MS,
                f"{len(inputs)} distinct queries from customers drawn at random",
                found=0,
                tried=0,
            )
            pages: list[float] = []
            for sample, query in inputs:
                first = _ask(line, client, f"{SEARCH}?q={quote(query)}")
                line.tried = (line.tried or 0) + 1
                line.found = (line.found or 0) + _on_page(first.body, sample.id)
                nxt = _NEXT.search(first.body)
                if nxt:
                    url = SEARCH + nxt.group(1).decode().replace("&amp;", "&")
                    pages.append(client.get(url).ms)
            line.note = "the drawn customer is on the first page for {found} of {tried}"
            if pages:
                line.note += (
                    f"; {len(pages)} had a next page, fetched once: p50 "
                    f"{percentile(pages, 50):.1f} ms, max {max(pages):.1f} ms"
                )
            out.append(line)
        for kind, make in [("email", lambda s: s.email or None), ("tax id", _typed_tax_id)]:
            inputs = [(s, q) for s in pool[scope] for q in [make(s)] if q][:k]
            line = Line(
                f"API search GET /api/v1/customers?q=: {kind}",
                scope,
                TARGET_SEARCH_MS,
                f"{len(inputs)} distinct queries from customers drawn at random",
                found=0,
                tried=0,
            )
            for sample, query in inputs:
                first = _ask(line, client, f"/api/v1/customers?q={quote(query)}&limit=20")
                line.tried = (line.tried or 0) + 1
                ids = re.findall(rb'"id": ?(\d+), ?"version"', first.body)
                line.found = (line.found or 0) + (str(sample.id).encode() in ids)
            line.note = "found the customer for {found} of {tried}"
            out.append(line)
    return out


# --- pages -------------------------------------------------------------------------------


def page_lines(
    clients: dict[str, Client],
    pool: dict[str, list[Sample]],
    k: int,
    whales: list[int],
    deep_cursors: dict[str, list[str]],
    owners: list[int],
    seed: int,
) -> list[Line]:
    rng = random.Random(seed)
    out: list[Line] = []
    for scope, client in clients.items():
        line = Line(
            "customer 360 page",
            scope,
            TARGET_360_MS,
            f"{len(pool[scope][:k])} customers drawn at random",
        )
        for sample in pool[scope][:k]:
            _ask(line, client, f"/customers/{sample.id}/")
        out.append(line)
        line = Line(
            "API customer detail GET /api/v1/customers/{id}",
            scope,
            TARGET_API_DETAIL_P50_MS,
            f"{len(pool[scope][k : 2 * k])} customers drawn at random",
            statistic="p50",
        )
        for sample in pool[scope][k : 2 * k]:
            _ask(line, client, f"/api/v1/customers/{sample.id}")
        out.append(line)
        filters = ["", "stage=lead", "stage=customer", "kind=organization", "source=website"]
        filters += ["owner=me", "stage=inactive", "kind=person", "source=event"]
        filters += [f"owner={rng.choice(owners)}"]
        urls = [
            f"{LIST}?sort={s}" + (f"&{f}" if f else "")
            for f in filters
            for s in ("-updated", "name", "-name", "updated")
        ]
        line = Line(
            "customer list, first page",
            scope,
            TARGET_LIST_MS,
            f"{len(urls)} distinct lists: 4 sort orders × 10 filters (none, stage, kind, "
            "source, owner)",
        )
        for url in urls:
            _ask(line, client, url)
        out.append(line)
        cursors = deep_cursors[scope][:k]
        line = Line(
            "customer list, page at a random depth (cursor of a random customer)",
            scope,
            TARGET_LIST_MS,
            f"{len(cursors)} distinct cursors, half by name and half by last update",
        )
        for sort, cursor in cursors:
            _ask(line, client, f"{LIST}?sort={sort}&cursor={cursor}")
        out.append(line)
        line = Line(
            "customer list, pages 2–21 following Next links",
            scope,
            TARGET_LIST_MS,
            "20 successive pages (sort: recently updated)",
        )
        body = client.get(f"{LIST}?sort=-updated").body
        for _ in range(20):
            found = _NEXT.search(body)
            if not found:
                line.note = "no Next link found on the page"
                break
            body = _ask(line, client, LIST + found.group(1).decode().replace("&amp;", "&")).body
        out.append(line)
    line = Line(
        "customer 360 page, customer with 2,000 interactions",
        "all",
        TARGET_360_MS,
        f"the {len(whales)} such customers",
    )
    for whale in whales:
        _ask(line, clients["all"], f"/customers/{whale}/")
    out.append(line)
    return out
