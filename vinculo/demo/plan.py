"""The demo data set as plain values, computed from a seed before anything is written.

Everything here is a pure function of (seed, size, now): the same seed gives the same
names, tax ids, phones, emails, addresses and history. Activity dates are offsets from the
`now` taken once by the caller; birth dates are absolute, so they never move.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from vinculo.customers.normalize import fold
from vinculo.demo import phones, taxids

LOCALES = ("pt_BR", "pt_PT", "es_ES")
LOCALE_WEIGHTS = (60, 20, 20)
ORGANIZATION_SHARE = 0.25
LINKED_PERSON_SHARE = 0.45  # persons who are contacts of an organization (B2B)
HISTORY_DAYS = 730

# (city, state, country, landline area code, weight).
CITIES: dict[str, list[tuple[str, str, str, int, int]]] = {
    "pt_BR": [
        ("Porto Alegre", "RS", "BR", 51, 6),
        ("Caxias do Sul", "RS", "BR", 54, 2),
        ("Florianópolis", "SC", "BR", 48, 4),
        ("Joinville", "SC", "BR", 47, 2),
        ("Curitiba", "PR", "BR", 41, 5),
        ("Londrina", "PR", "BR", 43, 1),
        ("São Paulo", "SP", "BR", 11, 8),
        ("Campinas", "SP", "BR", 19, 2),
        ("Rio de Janeiro", "RJ", "BR", 21, 4),
        ("Belo Horizonte", "MG", "BR", 31, 3),
        ("Brasília", "DF", "BR", 61, 2),
        ("Salvador", "BA", "BR", 71, 2),
        ("Recife", "PE", "BR", 81, 2),
        ("Fortaleza", "CE", "BR", 85, 1),
        ("Goiânia", "GO", "BR", 62, 1),
        ("Manaus", "AM", "BR", 92, 1),
    ],
    "pt_PT": [
        ("Lisboa", "Lisboa", "PT", 21, 6),
        ("Porto", "Porto", "PT", 22, 5),
        ("Braga", "Braga", "PT", 253, 2),
        ("Coimbra", "Coimbra", "PT", 239, 2),
        ("Faro", "Faro", "PT", 289, 1),
    ],
    "es_ES": [
        ("Madrid", "Madrid", "ES", 91, 8),
        ("Alcalá de Henares", "Madrid", "ES", 91, 1),
        ("Barcelona", "Barcelona", "ES", 93, 4),
        ("Valencia", "Valencia", "ES", 96, 2),
        ("Sevilla", "Sevilla", "ES", 95, 2),
        ("Zaragoza", "Zaragoza", "ES", 976, 1),
    ],
}

TAGS = ["VIP", "Newsletter", "Parceiro", "Indicação", "Black Friday", "Feira", "Recorrente"]
SOURCES = ["website", "referral", "event", "advertising", "social", "outbound", "partner", "store"]
SEGMENTS = ["Varejo", "Indústria", "Serviços", "Tecnologia", "Agronegócio", "Saúde"]
CREDIT_LIMITS = [5000, 10000, 15000, 25000, 50000, 100000]

# The custom fields the demo defines: (key, label, type, choices, applies to, position).
CUSTOM_FIELDS = [
    ("segmento", "Segmento", "choice", SEGMENTS, "organization", 1),
    ("limite_credito", "Limite de crédito", "number", [], "all", 2),
]


@dataclass(frozen=True)
class StaffSpec:
    """A demo staff member."""

    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None


TEAM_SOUTH = "Vendas Sul"
TEAM_MADRID = "Ventas Madrid"
STAFF = [
    StaffSpec("gerente", "Helena", "Marques", "manager", TEAM_SOUTH),
    StaffSpec("ana.souza", "Ana", "Souza", "sales", TEAM_SOUTH),
    StaffSpec("bruno.lima", "Bruno", "Lima", "sales", TEAM_SOUTH),
    StaffSpec("lucia.garcia", "Lucía", "García", "sales", TEAM_MADRID),
    StaffSpec("javier.moreno", "Javier", "Moreno", "sales", TEAM_MADRID),
    StaffSpec("atendimento", "Carla", "Mendes", "service", None),
    StaffSpec("marketing", "Rafael", "Costa", "marketing", None),
    StaffSpec("analista", "Marina", "Rocha", "analyst", None),
    StaffSpec("leitura", "Paulo", "Teixeira", "read_only", TEAM_SOUTH),
]
SERVICE_AGENT = "atendimento"
MANAGER = "gerente"
OWNERS = {
    "pt_BR": (["gerente", "ana.souza", "bruno.lima"], [1, 3, 3]),
    "pt_PT": (["ana.souza", "bruno.lima"], [1, 1]),
    "es_ES": (["lucia.garcia", "javier.moreno"], [1, 1]),
}


@dataclass
class AddressSpec:
    line1: str
    city: str
    region: str
    postal_code: str
    country: str
    district: str = ""


@dataclass
class CustomerSpec:
    """One customer as the services receive it (raw, human-typed values)."""

    key: int
    locale: str
    kind: str  # person | organization
    name: str
    owner: str
    since: dt.datetime
    organization_key: int | None = None
    job_title: str = ""
    birth_date: dt.date | None = None
    stage: str = "lead"
    source: str = ""
    tax_id: str = ""
    tax_id_type: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)  # (as typed, label)
    address: AddressSpec | None = None
    tags: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass
class InteractionSpec:
    customer_key: int
    actor: str
    channel: str
    direction: str
    occurred_at: dt.datetime
    subject: str = ""
    body: str = ""
    duration_seconds: int | None = None
    outcome: str = ""
    staff: list[str] = field(default_factory=list)


@dataclass
class TaskSpec:
    customer_key: int
    assignee: str
    title: str
    due_date: dt.date
    priority: str
    done_at: dt.datetime | None


@dataclass
class DemoPlan:
    seed: int
    now: dt.datetime
    staff: list[StaffSpec]
    customers: list[CustomerSpec]
    interactions: list[InteractionSpec]
    tasks: list[TaskSpec]


# --- Words of the history, per language ----------------------------------------------------

_PT = {
    "email": [
        ("Proposta comercial", "Segue a proposta revisada com as condições combinadas."),
        ("Dúvida sobre a fatura", "O cliente pediu a segunda via e o detalhamento dos itens."),
        ("Confirmação de pedido", "Pedido confirmado; entrega prevista para a próxima semana."),
        ("Renovação do contrato", "Enviamos as condições de renovação para análise."),
        ("Boas-vindas", "Mensagem de boas-vindas com os contatos do atendimento."),
        ("Pedido de orçamento", "Solicitou orçamento para ampliar o volume mensal."),
    ],
    "call": [
        ("Ligação de acompanhamento", "Conversamos sobre o uso do produto e próximos passos."),
        ("Retorno de orçamento", "Cliente pediu mais prazo para decidir."),
        ("Reclamação de entrega", "Entrega atrasada; abrimos acompanhamento com a logística."),
        ("Apresentação inicial", "Primeiro contato, interesse no plano intermediário."),
    ],
    "meeting": [
        ("Reunião de apresentação", "Demonstração para a equipe de compras."),
        ("Revisão trimestral", "Revisamos resultados do trimestre e metas."),
        ("Negociação de contrato", "Ajustes de preço e prazo de pagamento."),
    ],
    "note": [
        ("", "Prefere contato por WhatsApp no fim da tarde."),
        ("", "Decisor é o diretor financeiro; falar antes do dia 10."),
        ("", "Cliente sensível a preço; oferecer desconto por volume."),
    ],
    "message": [
        ("", "Olá! Pode me enviar o boleto atualizado?"),
        ("", "Obrigado pelo atendimento de hoje."),
        ("", "Vocês têm esse produto em estoque?"),
        ("", "Podemos remarcar a visita para quinta?"),
    ],
    "web_form": [("Contato pelo site", "Quero receber uma proposta para minha empresa.")],
    "letter": [("Carta de cobrança", "Aviso de título em aberto enviado pelo correio.")],
    "visit": [("Visita técnica", "Visita para instalação e treinamento da equipe.")],
    "tasks": [
        "Enviar proposta revisada",
        "Ligar para confirmar o pedido",
        "Agendar reunião de revisão",
        "Cobrar retorno do orçamento",
        "Atualizar cadastro do cliente",
    ],
}
_ES = {
    "email": [
        ("Propuesta comercial", "Adjuntamos la propuesta revisada con las condiciones pactadas."),
        ("Consulta sobre la factura", "El cliente pidió el detalle de los conceptos facturados."),
        ("Confirmación de pedido", "Pedido confirmado; entrega prevista la próxima semana."),
        ("Renovación del contrato", "Enviamos las condiciones de renovación."),
        ("Bienvenida", "Mensaje de bienvenida con los datos de contacto de soporte."),
    ],
    "call": [
        ("Llamada de seguimiento", "Hablamos del uso del producto y próximos pasos."),
        ("Respuesta al presupuesto", "El cliente necesita más tiempo para decidir."),
        ("Incidencia con la entrega", "Entrega con retraso; abierta revisión con logística."),
    ],
    "meeting": [
        ("Reunión de presentación", "Demostración para el equipo de compras."),
        ("Revisión trimestral", "Revisamos resultados y objetivos del trimestre."),
    ],
    "note": [
        ("", "Prefiere que le llamen por la mañana."),
        ("", "La decisión la toma la directora financiera."),
    ],
    "message": [
        ("", "¡Hola! ¿Me podéis enviar la factura actualizada?"),
        ("", "Gracias por la atención de hoy."),
        ("", "¿Tenéis este producto disponible?"),
    ],
    "web_form": [("Contacto desde la web", "Quiero recibir una propuesta para mi empresa.")],
    "letter": [("Carta de reclamación", "Aviso de factura pendiente enviado por correo.")],
    "visit": [("Visita técnica", "Visita de instalación y formación del equipo.")],
    "tasks": [
        "Enviar propuesta revisada",
        "Llamar para confirmar el pedido",
        "Agendar reunión de revisión",
        "Actualizar datos del cliente",
    ],
}

CHANNELS = [
    "email",
    "call",
    "sms",
    "whatsapp",
    "social",
    "meeting",
    "web_form",
    "chat",
    "letter",
    "visit",
    "note",
]
_CHANNEL_WEIGHTS = [24, 24, 4, 12, 4, 7, 5, 5, 2, 3, 10]
_CALL_OUTCOMES = ["completed", "completed", "completed", "no_answer", "busy", "voicemail"]
_CALL_OUTCOMES += ["follow_up", "interested", "not_interested", "wrong_number"]
_MEETING_OUTCOMES = ["completed", "completed", "follow_up", "interested", "cancelled"]


_PARTICLES = {"da", "das", "de", "do", "dos", "del", "la", "las", "los", "y", "e"}


def _words(locale: str) -> dict[str, Any]:
    return _ES if locale == "es_ES" else _PT


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", fold(text))[:20] or "empresa"


class _Builder:
    def __init__(self, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.fakers: dict[str, Faker] = {}
        for i, locale in enumerate(LOCALES):
            fake = Faker(locale)
            fake.seed_instance(seed * 10 + i)
            self.fakers[locale] = fake
        self.emails: set[str] = set()
        self.tax_ids: set[str] = set()

    # -- pieces --
    def unique_tax_id(self, locale: str, *, company: bool) -> tuple[str, str]:
        """A tax id no other demo customer has (tax ids are unique): drawn again on the
        rare clash, so a seed still gives the same data."""
        while True:
            tax_type, tax_id = taxids.for_customer(self.rng, locale, company=company)
            key = re.sub(r"[^0-9A-Z]", "", tax_id.upper())
            if key not in self.tax_ids:
                self.tax_ids.add(key)
                return tax_type, tax_id

    def unique_email(self, local: str, domain: str) -> str:
        local = re.sub(r"[^a-z0-9.]+", "", fold(local)).strip(".") or "contato"
        candidate, n = f"{local}@{domain}", 1
        while candidate in self.emails:
            n += 1
            candidate = f"{local}{n}@{domain}"
        self.emails.add(candidate)
        return candidate

    def city(self, locale: str) -> tuple[str, str, str, int]:
        rows = CITIES[locale]
        row = self.rng.choices(rows, weights=[r[4] for r in rows])[0]
        return row[0], row[1], row[2], row[3]

    def address(self, locale: str, city: tuple[str, str, str, int]) -> AddressSpec:
        fake = self.fakers[locale]
        street = f"{fake.street_name()}, {fake.building_number()}"
        if locale == "pt_BR":
            digits_ = f"{self.rng.randrange(10**8):08d}"
            postal, district = f"{digits_[:5]}-{digits_[5:]}", fake.bairro()
        elif locale == "pt_PT":
            postal, district = (
                f"{self.rng.randrange(1000, 9999)}-{self.rng.randrange(1000):03d}",
                "",
            )
        else:
            postal, district = f"{self.rng.randrange(1000, 52999):05d}", ""
        return AddressSpec(street[:200], city[0], city[1], postal, city[2], district[:100])

    def since(self) -> dt.datetime:
        return self.now - dt.timedelta(
            days=self.rng.randrange(20, 1100), minutes=self.rng.randrange(1440)
        )

    # -- customers --
    def organization(self, key: int, locale: str) -> CustomerSpec:
        fake, rng = self.fakers[locale], self.rng
        name = str(fake.company())
        if " " not in name:
            name += " " + rng.choice(
                ["Comércio Ltda.", "Distribuidora", "Tecnologia"]
                if locale != "es_ES"
                else ["Distribuciones S.L.", "Servicios S.A.", "Tecnología S.L."]
            )
        owners, weights = OWNERS[locale]
        city = self.city(locale)
        region = phones.REGION_OF_LOCALE[locale]
        tax_type, tax_id = self.unique_tax_id(locale, company=True)
        domain = f"{_slug(name)}.example.com"
        inbox = "contacto" if locale == "es_ES" else "contato"
        spec = CustomerSpec(
            key=key,
            locale=locale,
            kind="organization",
            name=name[:200],
            owner=rng.choices(owners, weights=weights)[0],
            since=self.since(),
            stage=rng.choices(["lead", "prospect", "customer", "inactive"], [2, 3, 6, 1])[0],
            source=rng.choice(SOURCES),
            tax_id=tax_id,
            tax_id_type=tax_type,
            emails=[self.unique_email(inbox, domain)],
            phones=[
                (phones.as_typed(phones.number(rng, region, mobile=False, area=city[3])), "work")
            ],
            address=self.address(locale, city),
            tags=rng.sample(TAGS, rng.choice([0, 1, 1, 2])),
            custom={"segmento": rng.choice(SEGMENTS)},
        )
        if spec.stage == "customer":
            spec.custom["limite_credito"] = rng.choice(CREDIT_LIMITS)
        return spec

    def person(self, key: int, locale: str, org: CustomerSpec | None) -> CustomerSpec:
        fake, rng = self.fakers[locale], self.rng
        first, last = str(fake.first_name()), str(fake.last_name())
        if locale != "pt_PT" and rng.random() < (0.7 if locale == "es_ES" else 0.35):
            last = f"{last} {fake.last_name()}"
        name = f"{first} {last}"
        region = phones.REGION_OF_LOCALE[locale]
        city = self.city(locale)
        if org is not None:
            owner = org.owner
        elif rng.random() < 0.06:
            owner = SERVICE_AGENT
        else:
            owners, weights = OWNERS[locale]
            owner = rng.choices(owners, weights=weights)[0]
        spec = CustomerSpec(
            key=key,
            locale=locale,
            kind="person",
            name=name[:200],
            owner=owner,
            since=self.since(),
            organization_key=org.key if org else None,
            stage=rng.choices(["lead", "prospect", "customer", "inactive"], [3, 2, 4, 1])[0],
            source=rng.choice(SOURCES),
            tags=rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2])),
        )
        if rng.random() < 0.9:
            spec.tax_id_type, spec.tax_id = self.unique_tax_id(locale, company=False)
        surnames = [w for w in last.split() if w.lower() not in _PARTICLES] or last.split()
        local = f"{first.split()[0]}.{surnames[-1]}"
        if org is not None:
            spec.job_title = str(fake.job())[:120]
            spec.emails = [self.unique_email(local, org.emails[0].split("@", 1)[1])]
        else:
            spec.emails = [
                self.unique_email(local, rng.choice(["example.com", "example.net", "example.org"]))
            ]
            spec.birth_date = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
            spec.address = self.address(locale, city)
        mobile = phones.number(rng, region, mobile=True, area=city[3] if region == "BR" else None)
        spec.phones = [(phones.as_typed(mobile), rng.choice(["mobile", "mobile", "whatsapp"]))]
        if rng.random() < 0.2:
            home = phones.number(rng, region, mobile=False, area=city[3])
            spec.phones.append((phones.as_typed(home), "home"))
        if spec.stage == "customer" and rng.random() < 0.5:
            spec.custom["limite_credito"] = rng.choice(CREDIT_LIMITS)
        return spec

    # -- history --
    def interactions(self, customer: CustomerSpec) -> list[InteractionSpec]:
        rng = self.rng
        mean = {"customer": 9, "prospect": 5, "lead": 2, "inactive": 4}[customer.stage]
        count = max(0, int(rng.gauss(mean, mean / 2)))
        start = max(customer.since, self.now - dt.timedelta(days=HISTORY_DAYS))
        span = max(60, int((self.now - start).total_seconds()))
        return [self.interaction(customer, start, span) for _ in range(count)]

    def interaction(
        self, customer: CustomerSpec, start: dt.datetime, span: int, channel: str | None = None
    ) -> InteractionSpec:
        rng = self.rng
        words = _words(customer.locale)
        channel = channel or rng.choices(CHANNELS, weights=_CHANNEL_WEIGHTS)[0]
        when = start + dt.timedelta(seconds=rng.randrange(span))
        actor = customer.owner
        if channel in ("call", "whatsapp", "chat", "sms") and rng.random() < 0.3:
            actor = SERVICE_AGENT
        direction = rng.choice(["in", "out"])
        if channel == "note":
            direction = "internal"
        elif channel == "web_form":
            direction = "in"
        bank = {
            "email": words["email"],
            "call": words["call"],
            "meeting": words["meeting"],
            "note": words["note"],
            "web_form": words["web_form"],
            "letter": words["letter"],
            "visit": words["visit"],
        }.get(channel, words["message"])
        subject, body = rng.choice(bank)
        spec = InteractionSpec(
            customer_key=customer.key,
            actor=actor,
            channel=channel,
            direction=direction,
            occurred_at=when,
            subject=subject,
            body=body,
        )
        if channel == "call":
            spec.outcome = rng.choice(_CALL_OUTCOMES)
            talked = spec.outcome not in ("no_answer", "busy", "wrong_number", "voicemail")
            spec.duration_seconds = rng.randrange(60, 1800) if talked else rng.randrange(0, 45)
        elif channel == "meeting":
            spec.outcome = rng.choice(_MEETING_OUTCOMES)
            spec.duration_seconds = rng.choice([1800, 2700, 3600, 5400])
            others = [s.username for s in STAFF if s.username not in (actor, "leitura")]
            spec.staff = rng.sample(others, rng.choice([0, 1, 1, 2]))
        elif channel == "visit":
            spec.duration_seconds = rng.choice([1800, 3600, 7200])
            spec.outcome = "completed"
        return spec

    def task(self, customer: CustomerSpec) -> TaskSpec:
        rng = self.rng
        due = self.now.date() + dt.timedelta(days=rng.randrange(-25, 30))
        done = rng.random() < 0.35
        done_at = None
        if done:
            done_at = min(
                self.now - dt.timedelta(hours=1),
                dt.datetime.combine(due, dt.time(15), tzinfo=self.now.tzinfo)
                - dt.timedelta(days=rng.randrange(0, 3)),
            )
        return TaskSpec(
            customer_key=customer.key,
            assignee=customer.owner,
            title=rng.choice(_words(customer.locale)["tasks"]),
            due_date=due,
            priority=rng.choices(["low", "normal", "high"], [1, 4, 2])[0],
            done_at=done_at,
        )


def build_plan(*, seed: int, customers: int, now: dt.datetime) -> DemoPlan:
    """The whole demo data set for `seed`: organizations first, then their people and B2C."""
    b = _Builder(seed, now)
    rng = b.rng
    locales = rng.choices(LOCALES, weights=LOCALE_WEIGHTS, k=customers)
    n_orgs = round(customers * ORGANIZATION_SHARE)
    specs: list[CustomerSpec] = []
    orgs_by_locale: dict[str, list[CustomerSpec]] = {loc: [] for loc in LOCALES}
    for key in range(n_orgs):
        org = b.organization(key, locales[key])
        specs.append(org)
        orgs_by_locale[org.locale].append(org)
    for key in range(n_orgs, customers):
        locale = locales[key]
        employer: CustomerSpec | None = None
        if orgs_by_locale[locale] and rng.random() < LINKED_PERSON_SHARE:
            employer = rng.choice(orgs_by_locale[locale])
        specs.append(b.person(key, locale, employer))
    interactions: list[InteractionSpec] = []
    for spec in specs:
        interactions.extend(b.interactions(spec))
    # Make sure every channel appears at least once, whatever the size.
    seen = {i.channel for i in interactions}
    for n, channel in enumerate(c for c in CHANNELS if c not in seen):
        if not specs:
            break
        spec = specs[n % len(specs)]
        start = max(spec.since, now - dt.timedelta(days=HISTORY_DAYS))
        span = max(60, int((now - start).total_seconds()))
        interactions.append(b.interaction(spec, start, span, channel=channel))
    tasks = [b.task(spec) for spec in specs if rng.random() < 0.35]
    return DemoPlan(
        seed=seed,
        now=now,
        staff=list(STAFF),
        customers=specs,
        interactions=interactions,
        tasks=tasks,
    )
