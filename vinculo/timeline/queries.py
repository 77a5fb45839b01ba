"""Read side of the logbook: timeline pages, tasks lists and a customer's key figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from vinculo.customers.models import Customer
from vinculo.timeline.models import Interaction, Task


@dataclass
class KeyFigures:
    """Real figures only (no placeholders): what exists at this stage of the product."""

    interactions: int
    last_contact: dt.datetime | None
    open_tasks: int
    overdue_tasks: int
    customer_since: dt.datetime
    people: int | None


def key_figures(customer: Customer, user: Any) -> KeyFigures:
    interactions = Interaction.objects.filter(customer=customer)
    last = interactions.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    tasks = Task.objects.filter(customer=customer, done_at__isnull=True)
    return KeyFigures(
        interactions=interactions.count(),
        last_contact=last,
        open_tasks=tasks.count(),
        overdue_tasks=tasks.filter(due_date__lt=timezone.localdate()).count(),
        customer_since=customer.created_at,
        people=customer.people.count() if customer.is_organization else None,
    )
