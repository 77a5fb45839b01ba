"""Timings taken with the real code: customers.search.search_customers and the real pages
(customers:detail, customers:list) through django.test.Client, as a user who reads all
customers and as a sales rep who reads only the team's."""

from __future__ import annotations

import random
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import phonenumbers
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from vinculo.core.pagination import keyset_page
from vinculo.customers.models import ContactPoint, Customer
from vinculo.customers.normalize import fold, format_tax_id
from vinculo.customers.search import search_customers

TARGET_SEARCH_MS = 50.0
TARGET_360_MS = 150.0
TARGET_LIST_MS = 100.0
RUNS = 3  # timed runs per input


@dataclass
class Measurement:
    name: str
    scope: str
    target_ms: float
    samples_ms: list[float] = field(default_factory=list)  # one per input: median of RUNS
    raw_ms: list[float] = field(default_factory=list)  # every single run
    hits: int | None = None
    tried: int | None = None
    note: str = ""
    slowest_input: str = ""
    error: str = ""
    slowest_sql: str = ""
    plan: str = ""

    def add(self, runs: list[float]) -> None:
        """One input's runs: its median is the sample (a burst of other work on the
        shared machine during one run does not count as the code's time)."""
        self.raw_ms += runs
        self.samples_ms.append(statistics.median(runs))

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(p50=self.p50, p95=self.p95, max=max(self.raw_ms or [0.0]))
        return data


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation): a value that was really observed."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def explain(sql: str) -> str:
    """The plan of one captured statement: EXPLAIN QUERY PLAN or EXPLAIN ANALYZE."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return "\n".join(f"{row[0]}|{row[1]}| {row[3]}" for row in cursor.fetchall())
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _diagnose(m: Measurement, run: Callable[[], Any]) -> None:
    """Re-run the slowest input with queries captured; keep the slowest one and its plan."""
    with CaptureQueriesContext(connection) as captured:
        run()
    queries = [
        q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]
    if not queries:
        return
    slowest = max(queries, key=lambda q: float(q["time"]))
    m.slowest_sql = slowest["sql"][:3000]
    try:
        m.plan = explain(slowest["sql"])[:6000]
    except Exception as exc:  # noqa: BLE001 - a plan is a diagnostic, not a result
        m.plan = f"(no plan: {exc})"


# --- inputs ----------------------------------------------------------------------------------


@dataclass
class Sample:
    id: int
    name: str
    email: str
    phone: str
    tax_id: str
    tax_id_type: str


def samples(rng: random.Random, n_customers: int, k: int, owners: list[int] | None) -> list[Sample]:
    """k customers drawn at random (among those `owners` own, if given)."""
    found: list[Sample] = []
    tries = 0
    while len(found) < k and tries < 50:
        tries += 1
        ids = rng.sample(range(1, n_customers + 1), min(n_customers, max(200, k * 40)))
        rows = Customer.objects.filter(pk__in=ids)
        if owners is not None:
            rows = rows.filter(owner_id__in=owners)
        points: dict[tuple[int, str], str] = {}
        customers = list(rows.values_list("pk", "name", "tax_id", "tax_id_type"))
        for cid, kind, value in ContactPoint.objects.filter(
            customer_id__in=[c[0] for c in customers]
        ).values_list("customer_id", "kind", "value"):
            points[(cid, kind)] = value
        for cid, name, tax_id, tax_type in customers:
            found.append(
                Sample(
                    cid,
                    name,
                    points.get((cid, "email"), ""),
                    points.get((cid, "phone"), ""),
                    tax_id,
                    tax_type,
                )
            )
    rng.shuffle(found)
    return found


def _name_fragment(s: Sample, rng: random.Random) -> str:
    words = [w for w in s.name.split() if len(w) > 3]
    word = rng.choice(words or s.name.split())
    return word[: max(4, len(word) - 2)]


def _folded_name(s: Sample) -> str | None:
    words = s.name.split()
    if fold(s.name) == s.name.lower() or len(words) < 2:
        return None
    first, second = words[0], words[-1]
    if fold(first) == first.lower() and fold(second) == second.lower():
        return None
    return f"{fold(first)} {fold(second)[:4]}"


def _typed_phone(s: Sample) -> str | None:
    if not s.phone.startswith("+55"):
        return None
    number = phonenumbers.parse(s.phone, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _typed_tax_id(s: Sample) -> str | None:
    if s.tax_id_type not in ("br_cpf", "br_cnpj"):
        return None
    return format_tax_id(s.tax_id_type, s.tax_id)


# --- search -----------------------------------------------------------------------------------


def measure_search(
    users: dict[str, Any], pool: dict[str, list[Sample]], k: int, seed: int
) -> list[Measurement]:
    rng = random.Random(seed)
    kinds: list[tuple[str, Callable[[Sample], str | None], bool]] = [
        ("search: name fragment", lambda s: _name_fragment(s, rng), False),
        ("search: accent-folded name (joao → João)", _folded_name, False),
        ("search: email", lambda s: s.email or None, True),
        ("search: phone typed (11) 98765-4321", _typed_phone, True),
        ("search: tax id with punctuation", _typed_tax_id, True),
    ]
    out: list[Measurement] = []
    for scope, user in users.items():
        for name, make_input, must_find in kinds:
            m = Measurement(name, scope, TARGET_SEARCH_MS, hits=0, tried=0)
            inputs = [(s, make_input(s)) for s in pool[scope]]
            inputs = [(s, q) for s, q in inputs if q][:k]
            worst = (-1.0, "")
            try:
                for sample, query in inputs:
                    results: list[Customer] = []
                    runs = []
                    for _ in range(RUNS):
                        elapsed, results = _ms(lambda q=query, u=user: search_customers(u, q))
                        runs.append(elapsed)
                    m.add(runs)
                    if m.samples_ms[-1] > worst[0]:
                        worst = (m.samples_ms[-1], query)
                    m.tried = (m.tried or 0) + 1
                    if any(c.pk == sample.id for c in results):
                        m.hits = (m.hits or 0) + 1
            except Exception as exc:  # noqa: BLE001 - a failing search is a result to report
                m.error = f"{type(exc).__name__}: {exc} (input “{query}”)"
                m.samples_ms, m.hits, m.tried = [], None, None
                out.append(m)
                continue
            if not must_find:
                m.note = "the drawn customer is among the best 20 in {hits} of {tried} inputs"
            m.slowest_input = worst[1]
            if worst[1]:
                _diagnose(m, lambda q=worst[1], u=user: search_customers(u, q))
            out.append(m)
    return out


# --- pages ------------------------------------------------------------------------------------


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _get(client: Client, url: str) -> tuple[float, int, bytes]:
    """(ms, status, body); an exception in the view counts as a 500 with its message."""
    try:
        elapsed, response = _ms(lambda: client.get(url))
    except Exception as exc:  # noqa: BLE001 - a failing page is a result to report
        return 0.0, 500, f"{type(exc).__name__}: {exc}".encode()
    return elapsed, response.status_code, response.content


def _deep_cursor(user: Any, sort_fields: list[str], depth: int) -> str | None:
    """A real cursor `depth` rows from the end of the list: built by paging the opposite
    order once (the cursor holds only the sort key of a row and a direction)."""
    page = keyset_page(
        Customer.objects.visible_to(user), order=sort_fields, cursor=None, size=depth
    )
    return page.next_cursor


_NEXT = re.compile(rb"[?&](?:amp;)?cursor=([A-Za-z0-9_\-]+)")


def measure_pages(
    users: dict[str, Any], pool: dict[str, list[Sample]], k: int, whales: list[int]
) -> tuple[list[Measurement], list[str]]:
    """Timings of the 360 page and the list; also the names of pages that do not exist yet."""
    missing: list[str] = []
    out: list[Measurement] = []
    clients = {}
    for scope, user in users.items():
        client = Client()
        client.force_login(user)
        clients[scope] = client
    # Warm up once per client (templates compiled, URL resolver built), as a running
    # server worker would be after its first request.
    for scope, client in clients.items():
        if pool[scope] and _url("customers:detail", 1):
            _get(client, _url("customers:detail", pool[scope][-1].id) or "")
        if _url("customers:list"):
            _get(client, _url("customers:list") or "")
    if _url("customers:detail", 1) is None:
        missing.append("customers:detail")
    else:
        for scope, client in clients.items():
            m = Measurement("customer 360 page", scope, TARGET_360_MS)
            for sample in pool[scope][:k]:
                url = _url("customers:detail", sample.id)
                runs = []
                for _ in range(RUNS):
                    elapsed, status, body = _get(client, url)
                    if status != 200:
                        m.error = f"HTTP {status} for {url}: {body[-300:].decode(errors='replace')}"
                    runs.append(elapsed)
                m.add(runs)
            out.append(m)
        m = Measurement("customer 360 page, customer with 2,000 interactions", "all", TARGET_360_MS)
        for whale in whales:
            url = _url("customers:detail", whale)
            for _ in range(3):
                runs = []
                for _ in range(RUNS):
                    elapsed, status, body = _get(clients["all"], url)
                    if status != 200:
                        m.error = f"HTTP {status} for {url}: {body[-300:].decode(errors='replace')}"
                    runs.append(elapsed)
                m.add(runs)
        out.append(m)
    list_url = _url("customers:list")
    if list_url is None:
        missing.append("customers:list")
        return out, missing
    for scope, client in clients.items():
        user = users[scope]
        cases: list[tuple[str, str]] = [
            ("customer list, first page (recently updated)", "?sort=-updated"),
            ("customer list, first page (by name)", "?sort=name"),
        ]
        deep_updated = _deep_cursor(user, ["updated_at", "id"], 1000)
        deep_name = _deep_cursor(user, ["-sort_name", "-id"], 1000)
        if deep_updated:
            cases.append(
                (
                    "customer list, deep page near the end (recently updated)",
                    f"?sort=-updated&cursor={deep_updated}",
                )
            )
        if deep_name:
            cases.append(
                (
                    "customer list, deep page near the end (by name)",
                    f"?sort=name&cursor={deep_name}",
                )
            )
        for name, query in cases:
            m = Measurement(name, scope, TARGET_LIST_MS)
            for _ in range(k):
                runs = []
                for _ in range(RUNS):
                    elapsed, status, body = _get(client, list_url + query)
                    if status != 200:
                        m.error = f"HTTP {status}: {body[-300:].decode(errors='replace')}"
                    runs.append(elapsed)
                m.add(runs)
            out.append(m)
        # Follow the page's own "next" links, as a person clicking through would.
        m = Measurement("customer list, pages 2–21 following Next links", scope, TARGET_LIST_MS)
        _elapsed, status, body = _get(client, list_url + "?sort=-updated")
        for _ in range(20):
            found = _NEXT.findall(body)
            if status != 200 or not found:
                m.note = "no Next link found on the page"
                break
            url = f"{list_url}?sort=-updated&cursor={found[-1].decode()}"
            runs = []
            for _ in range(RUNS):
                elapsed, status, body = _get(client, url)
                runs.append(elapsed)
            m.add(runs)
        if m.samples_ms:
            out.append(m)
    return out, missing
