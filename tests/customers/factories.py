"""Customers for tests, written through the same service the app uses."""

from __future__ import annotations

import itertools
from typing import Any

from vinculo.customers.models import Customer
from vinculo.customers.services import ContactIn, CustomerData, create_customer

_seq = itertools.count(1)


def make_customer(
    owner: Any,
    *,
    name: str | None = None,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    **fields: Any,
) -> Customer:
    data = CustomerData(
        name=name or f"Customer {next(_seq)}",
        emails=[ContactIn(value=e) for e in (emails or [])],
        phones=[ContactIn(value=p) for p in (phones or [])],
        **fields,
    )
    return create_customer(actor=owner, data=data)
