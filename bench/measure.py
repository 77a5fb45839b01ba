"""Inputs for the benchmark: customers drawn at random, and the ways a person would type
them into the search box (a fragment of a name, a name without accents, a phone or a tax id
with punctuation)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import phonenumbers

from bench.stats import percentile
from vinculo.customers.models import ContactPoint, Customer
from vinculo.customers.normalize import fold, format_tax_id

__all__ = ["Sample", "percentile", "samples"]


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
