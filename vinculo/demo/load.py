"""Writes a demo plan: through the services for small sets, by bulk inserts for large ones.

Small sets (up to BULK_THRESHOLD customers) go through customers.services.create_customer,
timeline.services.log_interaction and create_task/set_task_done, so their audit trail,
outbox events and search rows are exactly what the app writes. Larger sets are bulk
inserted with the same normalised values and the same search rows
(customers.search.index_customers), but without per-row audit entries or outbox events:
nobody edited these synthetic rows, and a hundred thousand "created" events would only
flood rules and webhooks. Their history starts at their first real change.

After the services wrote them, customers' "customer since" dates and tasks' completion
dates are moved into the past, so the demo has a realistic history.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from vinculo.accounts.models import Role, Team, User
from vinculo.core import persistence
from vinculo.core.context import channel
from vinculo.customers import search
from vinculo.customers.models import (
    Address,
    ContactPoint,
    Customer,
    CustomFieldDefinition,
    Tag,
)
from vinculo.customers.normalize import fold, normalize_email, normalize_phone, normalize_tax_id
from vinculo.customers.services import AddressIn, ContactIn, CustomerData, create_customer
from vinculo.demo.plan import CUSTOM_FIELDS, CustomerSpec, DemoPlan, StaffSpec, build_plan
from vinculo.timeline.models import Interaction, Task
from vinculo.timeline.services import (
    InteractionData,
    TaskData,
    create_task,
    log_interaction,
    set_task_done,
)

BULK_THRESHOLD = 2000
BATCH = 1000
PASSWORD_FILE = "demo_password"


@dataclass
class DemoResult:
    customers: int
    organizations: int
    interactions: int
    tasks: int
    staff: list[str]
    password: str | None  # None when the staff already existed with an unknown password
    bulk: bool
    seconds: float


def demo_password(home: Path | None = None) -> tuple[str, bool]:
    """(shared demo password, newly made). Kept in VINCULO_HOME so reruns can show it."""
    path = Path(home or settings.VINCULO_HOME) / PASSWORD_FILE
    if path.exists():
        return path.read_text().strip(), False
    password = secrets.token_urlsafe(12)
    tmp = path.with_name(f".{PASSWORD_FILE}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(password + "\n")
    os.replace(tmp, path)
    return password, True


def ensure_staff(specs: list[StaffSpec], password: str) -> dict[str, User]:
    """The demo staff and their teams; existing accounts are reused untouched."""
    roles = {r.code: r for r in Role.objects.all()}
    teams: dict[str, Team] = {}
    users: dict[str, User] = {}
    hashed = make_password(password)  # one hash for the one shared password: fast startup
    for spec in specs:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@demo.example.com",
                role=roles[spec.role],
                is_active=True,
                password=hashed,
            )
            persistence.create(user, actor=None)
        if spec.team:
            team = teams.get(spec.team) or Team.objects.filter(name=spec.team).first()
            if team is None:
                team = persistence.create(Team(name=spec.team), actor=None)
            teams[spec.team] = team
            team.members.add(user)
        users[spec.username] = user
    return users


def ensure_custom_fields() -> None:
    """The demo's custom fields ("segmento", "limite_credito") unless they exist."""
    for key, label, field_type, choices, applies_to, position in CUSTOM_FIELDS:
        if CustomFieldDefinition.objects.filter(key=key).exists():
            continue
        persistence.create(
            CustomFieldDefinition(
                key=key,
                label=label,
                field_type=field_type,
                choices=choices,
                applies_to=applies_to,
                position=position,
            ),
            actor=None,
        )


def _customer_data(spec: CustomerSpec, organization_id: int | None) -> CustomerData:
    address = spec.address
    return CustomerData(
        kind=spec.kind,
        name=spec.name,
        organization_id=organization_id,
        job_title=spec.job_title,
        birth_date=spec.birth_date,
        stage=spec.stage,
        source=spec.source,
        tax_id=spec.tax_id,
        tax_id_type=spec.tax_id_type or None,
        tags=spec.tags,
        custom=spec.custom,
        emails=[ContactIn(value=e, label="work") for e in spec.emails],
        phones=[ContactIn(value=p, label=label) for p, label in spec.phones],
        addresses=[
            AddressIn(
                line1=address.line1,
                city=address.city,
                district=address.district,
                region=address.region,
                postal_code=address.postal_code,
                country=address.country,
            )
        ]
        if address
        else [],
    )


def _load_with_services(plan: DemoPlan, staff: dict[str, User]) -> dict[int, Customer]:
    by_key: dict[int, Customer] = {}
    for spec in plan.customers:
        org_id = by_key[spec.organization_key].pk if spec.organization_key is not None else None
        customer = create_customer(actor=staff[spec.owner], data=_customer_data(spec, org_id))
        by_key[spec.key] = customer
    for spec in plan.customers:
        Customer.objects.filter(pk=by_key[spec.key].pk).update(created_at=spec.since)
    for item in plan.interactions:
        log_interaction(
            actor=staff[item.actor],
            customer=by_key[item.customer_key],
            data=InteractionData(
                channel=item.channel,
                direction=item.direction,
                occurred_at=item.occurred_at,
                subject=item.subject,
                body=item.body,
                duration_seconds=item.duration_seconds,
                outcome=item.outcome,
                user_ids=[staff[u].pk for u in item.staff] or None,
            ),
        )
    for task_spec in plan.tasks:
        assignee = staff[task_spec.assignee]
        task = create_task(
            actor=assignee,
            data=TaskData(
                title=task_spec.title,
                due_date=task_spec.due_date,
                priority=task_spec.priority,
                customer_id=by_key[task_spec.customer_key].pk,
            ),
        )
        if task_spec.done_at is not None:
            set_task_done(actor=assignee, task=task, done=True, expected_version=task.version)
            Task.objects.filter(pk=task.pk).update(done_at=task_spec.done_at)
    return by_key


@contextlib.contextmanager
def _given_timestamps(*models_: type[models.Model]) -> Iterator[None]:
    """Let bulk inserts keep the created_at/updated_at values we set (history in the past)."""
    saved: list[tuple[Any, bool, bool]] = []
    for model in models_:
        for name in ("created_at", "updated_at"):
            f: Any = model._meta.get_field(name)
            saved.append((f, f.auto_now, f.auto_now_add))
            f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _bulk_customer(spec: CustomerSpec, owner: User, org_id: int | None) -> Customer:
    name = " ".join(spec.name.split())
    tax_type, tax_id = normalize_tax_id(spec.tax_id, spec.tax_id_type) if spec.tax_id else ("", "")
    return Customer(
        kind=spec.kind,
        name=name,
        sort_name=fold(name)[:200],
        organization_id=org_id,
        job_title=spec.job_title,
        birth_date=spec.birth_date,
        stage=spec.stage,
        source=spec.source,
        owner=owner,
        tax_id=tax_id,
        tax_id_type=tax_type,
        custom_data=spec.custom,
        created_at=spec.since,
        updated_at=spec.since,
        version=1,
    )


def _bulk_related(spec: CustomerSpec, customer_id: int) -> tuple[list[ContactPoint], list[Address]]:
    points = [
        ContactPoint(
            customer_id=customer_id,
            kind=ContactPoint.Kind.EMAIL,
            value=normalize_email(e),
            label="work",
            is_primary=i == 0,
            position=i,
        )
        for i, e in enumerate(spec.emails)
    ]
    points += [
        ContactPoint(
            customer_id=customer_id,
            kind=ContactPoint.Kind.PHONE,
            value=normalize_phone(p),
            label=label,
            is_primary=i == 0,
            position=i,
        )
        for i, (p, label) in enumerate(spec.phones)
    ]
    addresses = []
    if spec.address:
        a = spec.address
        addresses.append(
            Address(
                customer_id=customer_id,
                line1=a.line1,
                city=a.city,
                district=a.district,
                region=a.region,
                postal_code=a.postal_code,
                country=a.country,
            )
        )
    return points, addresses


def _load_bulk(plan: DemoPlan, staff: dict[str, User]) -> dict[int, Customer]:
    by_key: dict[int, Customer] = {}
    tag_ids = {
        name: Tag.objects.get_or_create(name=name)[0].pk
        for name in sorted({t for s in plan.customers for t in s.tags})
    }
    through = Customer.tags.through
    # Organizations first (people point at them), then people, in batches.
    orgs = [s for s in plan.customers if s.kind == "organization"]
    people = [s for s in plan.customers if s.kind != "organization"]
    chunks = [group[i : i + BATCH] for group in (orgs, people) for i in range(0, len(group), BATCH)]
    with _given_timestamps(Customer):
        for chunk in chunks:
            rows = [
                _bulk_customer(
                    s,
                    staff[s.owner],
                    by_key[s.organization_key].pk if s.organization_key is not None else None,
                )
                for s in chunk
            ]
            Customer.objects.bulk_create(rows)
            points: list[ContactPoint] = []
            addresses: list[Address] = []
            tags = []
            for spec, customer in zip(chunk, rows, strict=True):
                by_key[spec.key] = customer
                p, a = _bulk_related(spec, customer.pk)
                points += p
                addresses += a
                tags += [through(customer_id=customer.pk, tag_id=tag_ids[t]) for t in spec.tags]
            ContactPoint.objects.bulk_create(points)
            Address.objects.bulk_create(addresses)
            through.objects.bulk_create(tags)
            search.index_customers([c.pk for c in rows])
    users_through = Interaction.users.through
    for start in range(0, len(plan.interactions), BATCH):
        chunk_i = plan.interactions[start : start + BATCH]
        rows_i = [
            Interaction(
                customer_id=by_key[i.customer_key].pk,
                channel=i.channel,
                direction=i.direction,
                occurred_at=i.occurred_at,
                subject=i.subject,
                body=i.body,
                duration_seconds=i.duration_seconds,
                outcome=i.outcome,
                created_by=staff[i.actor],
            )
            for i in chunk_i
        ]
        Interaction.objects.bulk_create(rows_i)
        users_through.objects.bulk_create(
            [
                users_through(interaction_id=row.pk, user_id=staff[u].pk)
                for spec_i, row in zip(chunk_i, rows_i, strict=True)
                for u in spec_i.staff
            ]
        )
    Task.objects.bulk_create(
        [
            Task(
                title=t.title,
                due_date=t.due_date,
                priority=t.priority,
                assignee=staff[t.assignee],
                created_by=staff[t.assignee],
                customer_id=by_key[t.customer_key].pk,
                done_at=t.done_at,
            )
            for t in plan.tasks
        ],
        batch_size=BATCH,
    )
    return by_key


def run(*, customers: int, seed: int, now: dt.datetime | None = None) -> DemoResult:
    """Create the demo staff, custom fields, customers and their history, all or nothing."""
    started = time.monotonic()
    now = now or timezone.now().replace(microsecond=0)
    plan = build_plan(seed=seed, customers=customers, now=now)
    password, fresh = demo_password()
    bulk = customers > BULK_THRESHOLD
    with channel("import" if bulk else "demo"), transaction.atomic():
        existing = set(
            User.objects.filter(username__in=[s.username for s in plan.staff]).values_list(
                "username", flat=True
            )
        )
        staff = ensure_staff(plan.staff, password)
        ensure_custom_fields()
        if bulk:
            _load_bulk(plan, staff)
        else:
            _load_with_services(plan, staff)
    known = fresh is False or not existing
    return DemoResult(
        customers=len(plan.customers),
        organizations=sum(1 for c in plan.customers if c.kind == "organization"),
        interactions=len(plan.interactions),
        tasks=len(plan.tasks),
        staff=[s.username for s in plan.staff],
        password=password if known else None,
        bulk=bulk,
        seconds=time.monotonic() - started,
    )
