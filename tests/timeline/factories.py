"""Interactions and tasks for tests, written through the same services the app uses."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from vinculo.customers.models import Customer
from vinculo.timeline.models import Interaction, Task
from vinculo.timeline.services import (
    FileIn,
    InteractionData,
    TaskData,
    create_task,
    log_interaction,
)

_seq = itertools.count(1)


def make_interaction(
    actor: Any,
    customer: Customer,
    *,
    channel: str = "call",
    subject: str | None = None,
    occurred_at: dt.datetime | None = None,
    files: list[FileIn] | None = None,
    **fields: Any,
) -> Interaction:
    data = InteractionData(
        channel=channel,
        subject=subject if subject is not None else f"Interaction {next(_seq)}",
        occurred_at=occurred_at,
        files=files or [],
        **fields,
    )
    return log_interaction(actor=actor, customer=customer, data=data)


def make_task(
    actor: Any,
    *,
    title: str | None = None,
    customer: Customer | None = None,
    due_date: dt.date | None = None,
    **fields: Any,
) -> Task:
    data = TaskData(
        title=title or f"Task {next(_seq)}",
        customer_id=customer.pk if customer else None,
        due_date=due_date,
        **fields,
    )
    return create_task(actor=actor, data=data)
