"""Deterministic benchmark rows, exactly as the services would have written them.

Rows are tuples in the column order of bench/columns.py. Customers get ids 1..N
(organizations first), one email, one phone and a valid tax id each; names, sort names,
contact values and search rows go through the same functions the services use
(normalize.fold, the E.164 form, customers.search.document), so a benchmark row cannot
differ from an app-written one. Values are plain Python objects; a `stamp` function turns
datetimes into what the target database stores.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from faker import Faker

from vinculo.customers.models import SearchEntry
from vinculo.customers.normalize import fold
from vinculo.customers.search import document
from vinculo.demo import phones, taxids

SEED = 20261127
LOCALES = ("pt_BR", "pt_PT", "es_ES")
LOCALE_WEIGHTS = (60, 20, 20)
ORGANIZATION_SHARE = 0.05  # of all customers
LINKED_SHARE = 0.30  # of all customers: people who work for one of the organizations
HOT_SHARE = 0.10  # customers who get half of all interactions
WHALES = 3  # customers with WHALE_INTERACTIONS each: the worst case of a 360 page
WHALE_INTERACTIONS = 2000
TASKS_PER_CUSTOMER = 0.2
YEARS = 5

STAGES = (["lead", "prospect", "customer", "inactive"], [3, 2, 4, 1])
SOURCES = ["website", "referral", "event", "advertising", "social", "outbound", "partner", "store"]
CHANNELS = ["email", "call", "sms", "whatsapp", "social", "meeting", "web_form", "chat"]
CHANNELS += ["letter", "visit", "note"]
CHANNEL_WEIGHTS = [24, 24, 4, 12, 4, 7, 5, 5, 2, 3, 10]
SUBJECTS = [
    "Proposta comercial",
    "Dúvida sobre a fatura",
    "Confirmação de pedido",
    "Renovação do contrato",
    "Ligação de acompanhamento",
    "Propuesta comercial",
    "Reunión de presentación",
    "",
    "",
]
BODIES = [
    "Cliente pediu a segunda via do boleto e o detalhamento dos itens.",
    "Conversamos sobre o uso do produto e os próximos passos.",
    "Entrega atrasada; abrimos acompanhamento com a logística.",
    "El cliente necesita más tiempo para decidir.",
    "Prefere contato por WhatsApp no fim da tarde.",
]
OUTCOMES = ["completed", "no_answer", "busy", "voicemail", "follow_up", "interested"]
ORG_SUFFIX = {
    "pt_BR": ["Comércio Ltda.", "S.A.", "Distribuidora", "Tecnologia Ltda.", "e Filhos"],
    "pt_PT": ["Lda.", "S.A.", "& Filhos", "Comércio Lda."],
    "es_ES": ["S.L.", "S.A.", "y Asociados S.L.", "Distribuciones S.L."],
}
JOB_TITLES = ["Diretora financeira", "Comprador", "Gerente de compras", "Jefe de compras"]


@dataclass
class Plan:
    """Sizes and the fixed "now" every date is relative to."""

    customers: int
    interactions: int
    now: dt.datetime
    owner_ids: list[int]
    team_of_owner: dict[int, int] = field(default_factory=dict)

    @property
    def organizations(self) -> int:
        return max(1, int(self.customers * ORGANIZATION_SHARE))


@dataclass
class CustomerChunk:
    customers: list[tuple[Any, ...]]
    points: list[tuple[Any, ...]]
    search: list[tuple[Any, ...]]
    audit: list[tuple[Any, ...]]


def _name_pools(seed: int) -> dict[str, tuple[list[str], list[str]]]:
    pools = {}
    for i, locale in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed + i)
        person = fake.provider("faker.providers.person")
        firsts = sorted(set(person.first_names))  # type: ignore[union-attr]
        lasts = sorted(set(person.last_names))  # type: ignore[union-attr]
        pools[locale] = (firsts, lasts)
    return pools


def _region(locale: str) -> str:
    return phones.REGION_OF_LOCALE[locale]


class Generator:
    """Produces the rows of every table in chunks; the same seed gives the same rows."""

    def __init__(self, plan: Plan, stamp: Callable[[dt.datetime], Any], seed: int = SEED):
        self.plan = plan
        self.stamp = stamp
        self.seed = seed
        self.pools = _name_pools(seed)
        n = plan.customers
        rng = random.Random(seed)
        # Per-customer facts later tables need, kept compactly.
        self.owner = array("l", [0]) * (n + 1)
        self.created = array("d", [0.0]) * (n + 1)  # seconds before now
        self.org_names: dict[int, str] = {}
        self.locale_index = array("b", [0]) * (n + 1)
        weights = list(LOCALE_WEIGHTS)
        for cid in range(1, n + 1):
            self.locale_index[cid] = rng.choices(range(3), weights)[0]
        self.point_id = 0
        # Search rows take whatever columns SearchEntry has, filled by search.document.
        self.search_fields = list(SearchEntry._meta.concrete_fields)

    # -- customers -----------------------------------------------------------------------
    def customers(self, chunk_size: int = 20000) -> Iterator[CustomerChunk]:
        plan, rng = self.plan, random.Random(self.seed + 1)
        n, n_orgs = plan.customers, plan.organizations
        linked_until = n_orgs + int(n * LINKED_SHARE)
        chunk = CustomerChunk([], [], [], [])
        for cid in range(1, n + 1):
            locale = LOCALES[self.locale_index[cid]]
            is_org = cid <= n_orgs
            org_id = None
            if is_org:
                owner = rng.choice(plan.owner_ids)
            elif cid <= linked_until:
                org_id = rng.randrange(1, n_orgs + 1)
                owner = self.owner[org_id]
            else:
                owner = rng.choice(plan.owner_ids)
            self.owner[cid] = owner
            age = rng.uniform(0, YEARS * 365 * 86400)
            self.created[cid] = age
            self._customer(chunk, rng, cid, locale, is_org, org_id, owner, age)
            if len(chunk.customers) >= chunk_size:
                yield chunk
                chunk = CustomerChunk([], [], [], [])
        if chunk.customers:
            yield chunk

    def _customer(
        self,
        chunk: CustomerChunk,
        rng: random.Random,
        cid: int,
        locale: str,
        is_org: bool,
        org_id: int | None,
        owner: int,
        age: float,
    ) -> None:
        firsts, lasts = self.pools[locale]
        region = _region(locale)
        if is_org:
            name = f"{rng.choice(lasts)} {rng.choice(ORG_SUFFIX[locale])}"
            self.org_names[cid] = name
            local = "contato" if locale != "es_ES" else "contacto"
            email = f"{local}.{cid}@{fold(name.split()[0])}.example.com"
        else:
            first, last = rng.choice(firsts), rng.choice(lasts)
            if locale != "pt_PT" and rng.random() < 0.5:
                last = f"{last} {rng.choice(lasts)}"
            name = f"{first} {last}"
            email = f"{fold(first.split()[0])}.{fold(last.split()[-1])}.{cid}@example.com"
        email = "".join(ch for ch in email if ch.isalnum() or ch in ".@-").lower()
        phone = phones.e164(phones.number(rng, region, mobile=not is_org))
        tax_type, tax_id = _tax_id(cid, locale, is_org)
        created = self.plan.now - dt.timedelta(seconds=age)
        updated = created + dt.timedelta(seconds=rng.uniform(0, age))
        stage = rng.choices(STAGES[0], STAGES[1])[0]
        source = rng.choice(SOURCES)
        kind = "organization" if is_org else "person"
        job_title = rng.choice(JOB_TITLES) if org_id else ""
        name = " ".join(name.split())
        chunk.customers.append(
            (
                cid,
                self.stamp(created),
                self.stamp(updated),
                1,
                kind,
                name,
                fold(name)[:200],
                org_id,
                job_title,
                None,
                stage,
                source,
                owner,
                tax_id,
                tax_type,
                "",
                "{}",
            )
        )
        self.point_id += 1
        chunk.points.append((self.point_id, cid, "email", email, "", "", True, 0))
        self.point_id += 1
        chunk.points.append((self.point_id, cid, "phone", phone, "mobile", "", True, 0))
        entry = document(
            SimpleNamespace(  # type: ignore[arg-type]
                pk=cid,
                id=cid,
                name=name,
                tax_id=tax_id,
                owner_id=owner,
                kind=kind,
                organization_id=org_id,
            ),
            [
                SimpleNamespace(kind="email", value=email),  # type: ignore[list-item]
                SimpleNamespace(kind="phone", value=phone),
            ],
            self.org_names.get(org_id, "") if org_id else "",
        )
        chunk.search.append(tuple(getattr(entry, f.attname) for f in self.search_fields))
        # The audit entry persistence.create writes: every non-empty value, then the points.
        changes: dict[str, Any] = {"kind": [None, kind], "name": [None, name]}
        if org_id:
            changes["organization"] = [None, org_id]
        if job_title:
            changes["job_title"] = [None, job_title]
        changes.update(
            {
                "stage": [None, stage],
                "source": [None, source],
                "owner": [None, owner],
                "tax_id": [None, tax_id],
                "tax_id_type": [None, tax_type],
                "emails": [None, [email]],
                "phones": [None, [phone]],
            }
        )
        chunk.audit.append(
            (
                cid,
                "customers.customer",
                str(cid),
                name[:300],
                "create",
                owner,
                self.stamp(created),
                json.dumps(changes, ensure_ascii=False),
                "web",
            )
        )

    # -- interactions ----------------------------------------------------------------------
    def interaction_customers(self) -> Iterator[int]:
        """Customer of each interaction: whales first, then half to a hot 10%, half to all."""
        plan, rng = self.plan, random.Random(self.seed + 2)
        n = plan.customers
        whales = [self.whale_ids()[i] for i in range(min(WHALES, n))]
        budget = plan.interactions
        for whale in whales:
            for _ in range(min(WHALE_INTERACTIONS, budget // (2 * WHALES) or 1)):
                yield whale
                budget -= 1
        hot = max(1, int(n * HOT_SHARE))
        for _ in range(max(0, budget)):
            if rng.random() < 0.5:
                yield 1 + rng.randrange(hot) * (n // hot)
            else:
                yield rng.randrange(1, n + 1)

    def whale_ids(self) -> list[int]:
        n = self.plan.customers
        return [max(1, n // 2 + i * 7) for i in range(WHALES)]

    def interactions(self, chunk_size: int = 50000) -> Iterator[list[tuple[Any, ...]]]:
        plan, rng = self.plan, random.Random(self.seed + 3)
        two_years = 730 * 86400.0
        rows: list[tuple[Any, ...]] = []
        iid = 0
        choices = rng.choices
        for cid in self.interaction_customers():
            iid += 1
            window = min(self.created[cid], two_years)
            ago = rng.uniform(0, window)
            occurred = plan.now - dt.timedelta(seconds=ago)
            logged = occurred + dt.timedelta(seconds=min(ago, rng.uniform(0, 7200)))
            channel = choices(CHANNELS, CHANNEL_WEIGHTS)[0]
            direction = "internal" if channel == "note" else ("in" if rng.random() < 0.5 else "out")
            duration = outcome = None
            if channel == "call":
                outcome = rng.choice(OUTCOMES)
                duration = rng.randrange(0, 1800)
            elif channel == "meeting":
                outcome, duration = "completed", 3600
            stamp = self.stamp(logged)
            rows.append(
                (
                    iid,
                    stamp,
                    stamp,
                    1,
                    cid,
                    channel,
                    direction,
                    self.stamp(occurred),
                    rng.choice(SUBJECTS) if channel != "note" else "",
                    rng.choice(BODIES),
                    duration,
                    outcome or "",
                    self.owner[cid],
                    "",
                    "",
                )
            )
            if len(rows) >= chunk_size:
                yield rows
                rows = []
        if rows:
            yield rows

    # -- tasks -----------------------------------------------------------------------------
    def tasks(self) -> list[tuple[Any, ...]]:
        plan, rng = self.plan, random.Random(self.seed + 4)
        rows = []
        count = int(plan.customers * TASKS_PER_CUSTOMER)
        today = plan.now.date()
        for tid in range(1, count + 1):
            cid = rng.randrange(1, plan.customers + 1)
            created = plan.now - dt.timedelta(days=rng.uniform(1, 60))
            due = (today + dt.timedelta(days=rng.randrange(-30, 30))).isoformat()
            done = self.stamp(created + dt.timedelta(days=1)) if rng.random() < 0.4 else None
            owner = self.owner[cid]
            stamp = self.stamp(created)
            rows.append(
                (
                    tid,
                    stamp,
                    stamp,
                    1,
                    "Ligar para o cliente",
                    "",
                    due,
                    "normal",
                    owner,
                    cid,
                    owner,
                    done,
                )
            )
        return rows


def _tax_id(cid: int, locale: str, is_org: bool) -> tuple[str, str]:
    """A valid, distinct compact tax id per customer id (see vinculo.demo.taxids)."""
    if locale == "pt_BR":
        return ("br_cnpj", taxids.cnpj_from(cid)) if is_org else ("br_cpf", taxids.cpf_from(cid))
    if locale == "pt_PT":
        return "pt_nif", taxids.pt_nif_from(cid, company=is_org)
    if is_org:
        return "es_cif", taxids.es_cif_from(cid)
    return (
        ("es_nie", taxids.es_nie_from(cid)) if cid % 7 == 0 else ("es_nif", taxids.es_dni_from(cid))
    )
