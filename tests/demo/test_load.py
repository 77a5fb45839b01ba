from __future__ import annotations

import datetime as dt

import pytest

from vinculo.accounts.models import User
from vinculo.core.models import AuditEntry
from vinculo.customers.models import ContactPoint, Customer, SearchEntry
from vinculo.customers.search import search_customers
from vinculo.demo import load
from vinculo.timeline.models import Interaction, Task

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.VINCULO_HOME = tmp_path


def _written():
    """What a user would see of each customer, in creation order."""
    rows = []
    for c in Customer.objects.order_by("kind", "name", "tax_id"):
        points = sorted(c.contact_points.values_list("kind", "value", "label", "is_primary"))
        entry = SearchEntry.objects.get(customer_id=c.pk)
        org = c.organization.name if c.organization else ""
        rows.append(
            (
                c.kind,
                c.name,
                c.sort_name,
                c.tax_id,
                c.tax_id_type,
                c.stage,
                c.source,
                c.owner.username,
                org,
                c.birth_date,
                c.job_title,
                c.custom_data,
                sorted(c.tags.values_list("name", flat=True)),
                points,
                list(c.addresses.values_list("line1", "city", "postal_code", "country")),
                entry.text,
                entry.numbers,
                c.created_at,
            )
        )
    return rows


def _wipe():
    Customer.objects.all().delete()
    AuditEntry.objects.all().delete()


def test_bulk_load_writes_what_the_services_write(db, monkeypatch):
    load.run(customers=40, seed=9, now=NOW)
    by_services = _written()
    audited = AuditEntry.objects.filter(model="customers.customer").count()
    interactions = Interaction.objects.count()
    _wipe()

    monkeypatch.setattr(load, "BULK_THRESHOLD", 10)
    result = load.run(customers=40, seed=9, now=NOW)

    assert result.bulk
    assert _written() == by_services
    assert audited == 40
    assert not AuditEntry.objects.filter(model="customers.customer").exists()
    assert Interaction.objects.count() == interactions
    someone = Customer.objects.filter(kind="person").order_by("pk").first()
    admin = User.objects.get(username="analista")
    assert someone in search_customers(admin, someone.name.split()[0])


def test_staff_teams_and_shared_password(db):
    result = load.run(customers=12, seed=3, now=NOW)
    users = {u.username: u for u in User.objects.select_related("role")}
    assert set(result.staff) <= set(users)
    assert users["gerente"].role.code == "manager"
    assert users["leitura"].role.code == "read_only"
    assert sorted(t.name for t in users["ana.souza"].teams.all()) == ["Vendas Sul"]
    assert sorted(t.name for t in users["lucia.garcia"].teams.all()) == ["Ventas Madrid"]
    # One hash is shared by all (same password); checking two keeps the test fast.
    assert users["gerente"].check_password(result.password)
    assert users["leitura"].password == users["gerente"].password
    again = load.run(customers=2, seed=4, now=NOW)
    assert again.password == result.password  # kept in the data dir, not changed


def test_history_is_in_the_past_and_tasks_are_backdated(db):
    load.run(customers=30, seed=5, now=NOW)
    assert Customer.objects.filter(created_at__lt=NOW - dt.timedelta(days=19)).count() == 30
    assert not Interaction.objects.filter(occurred_at__gt=NOW).exists()
    done = Task.objects.filter(done_at__isnull=False)
    assert done.exists() and not done.filter(done_at__gt=NOW).exists()
    assert ContactPoint.objects.filter(kind="phone", value__startswith="+").count() >= 30
