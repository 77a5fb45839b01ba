from __future__ import annotations

import datetime as dt
from collections import Counter

from vinculo.demo.plan import CHANNELS, build_plan

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def _identity(plan):
    return [(c.name, c.tax_id, c.phones, c.emails) for c in plan.customers]


def test_same_seed_same_content_other_seed_other_content():
    a = build_plan(seed=11, customers=120, now=NOW)
    b = build_plan(seed=11, customers=120, now=NOW)
    c = build_plan(seed=12, customers=120, now=NOW)
    assert _identity(a) == _identity(b)
    assert [(i.channel, i.occurred_at, i.subject) for i in a.interactions] == [
        (i.channel, i.occurred_at, i.subject) for i in b.interactions
    ]
    assert _identity(a) != _identity(c)


def test_shape_locales_organizations_and_history():
    plan = build_plan(seed=42, customers=300, now=NOW)
    kinds = Counter(c.kind for c in plan.customers)
    assert kinds["organization"] == 75
    locales = Counter(c.locale for c in plan.customers)
    assert 150 <= locales["pt_BR"] <= 210 and locales["pt_PT"] > 30 and locales["es_ES"] > 30
    by_key = {c.key: c for c in plan.customers}
    linked = [c for c in plan.customers if c.organization_key is not None]
    assert linked, "some people work for the organizations"
    for person in linked:
        org = by_key[person.organization_key]
        assert org.kind == "organization" and org.locale == person.locale
        assert org.owner == person.owner  # so the owner can link them
    assert {i.channel for i in plan.interactions} == set(CHANNELS)
    assert {i.direction for i in plan.interactions} == {"in", "out", "internal"}
    two_years_ago = NOW - dt.timedelta(days=731)
    assert all(two_years_ago <= i.occurred_at <= NOW for i in plan.interactions)
    calls = [i for i in plan.interactions if i.channel == "call"]
    assert all(i.outcome and i.duration_seconds is not None for i in calls)
    emails = [i for i in plan.interactions if i.channel == "email"]
    assert all(i.subject for i in emails)
    today = NOW.date()
    assert any(t.done_at is None and t.due_date < today for t in plan.tasks)  # overdue
    assert any(t.done_at is not None for t in plan.tasks)
    all_emails = [e for c in plan.customers for e in c.emails]
    assert len(all_emails) == len(set(all_emails))
    assert all(
        e.split("@")[1].endswith(("example.com", "example.net", "example.org")) for e in all_emails
    )


def test_every_channel_even_for_a_tiny_set():
    plan = build_plan(seed=1, customers=3, now=NOW)
    assert {i.channel for i in plan.interactions} == set(CHANNELS)


def test_tax_ids_are_distinct_even_when_draws_repeat(monkeypatch):
    """Tax ids are unique in the database: a repeated draw is drawn again."""
    from vinculo.demo import taxids

    def small_pool(rng, locale, *, company):
        return "pt_nif", taxids.pt_nif_from(rng.randrange(400), company=company)

    monkeypatch.setattr(taxids, "for_customer", small_pool)
    plan = build_plan(seed=5, customers=150, now=NOW)
    numbers = [c.tax_id for c in plan.customers if c.tax_id]
    assert len(numbers) > 100 and len(set(numbers)) == len(numbers)
