"""Global search shows exactly the customers `restrict(user, "view")` allows, whichever index
answers (on PostgreSQL the owner pre-filter inside the trigram index comes from the same
rule, core.permissions.owner_ids)."""

from __future__ import annotations

import pytest

from tests.accounts.factories import make_team, make_user
from tests.customers.factories import make_customer
from vinculo.accounts.models import Role
from vinculo.core.permissions import restrict
from vinculo.customers.models import Customer
from vinculo.customers.search import search_customers

QUERIES = ["marta", "marta quintela", "+55 11 98888-7766", "marta@example.com"]


@pytest.fixture
def people(owner, teammate, outsider, admin):
    """A Marta Quintela for everyone, and one whose owner was cleared."""
    found = {}
    for n, user in enumerate((owner, teammate, outsider, admin)):
        found[user.username] = make_customer(
            user,
            name=f"Marta Quintela {user.username}",
            emails=["marta@example.com"],
            phones=[f"+55 11 98888-776{n}"] if n else ["+55 11 98888-7766"],
        )
    unowned = make_customer(admin, name="Marta Quintela nobody", emails=["marta@example.com"])
    Customer.objects.filter(pk=unowned.pk).update(owner=None)
    from vinculo.customers.search import index_customers

    index_customers([unowned.pk])
    found["nobody"] = unowned
    return found


def names(user, query: str) -> set[str]:
    return {c.name.rsplit(" ", 1)[-1] for c in search_customers(user, query, limit=50)}


def test_owner_teammate_outsider_admin(people, owner, teammate, outsider, admin):
    assert names(owner, "marta") == {"owner", "teammate"}
    assert names(teammate, "marta quintela") == {"owner", "teammate"}
    assert names(outsider, "marta") == {"outsider"}
    assert names(admin, "marta") == {"owner", "teammate", "outsider", "admin", "nobody"}
    assert names(outsider, "+55 11 98888-7766") == set()
    assert names(teammate, "+55 11 98888-7766") == {"owner"}
    assert names(outsider, "marta@example.com") == {"outsider"}


@pytest.mark.parametrize("role", ["manager", "read_only", "service", "marketing"])
def test_search_agrees_with_restrict_for_every_role(people, team, role):
    user = make_user(role, team=team)
    visible = set(restrict(Customer.objects.all(), user, "view").values_list("pk", flat=True))
    for query in QUERIES:
        found = {c.pk for c in search_customers(user, query, limit=50)}
        assert found <= visible, query
    found = {c.pk for c in search_customers(user, "marta", limit=50)}
    assert found == {c.pk for c in people.values()} & visible


def test_own_scope_and_no_scope(people, team, owner):
    mine = Role.objects.create(code="mine", name="mine", read_scope="own", write_scope="own")
    nothing = Role.objects.create(code="blind", name="blind", read_scope="none", write_scope="none")
    own_user = make_user("sales", team=team)
    own_user.role = mine
    own_user.save()
    make_customer(own_user, name="Marta Quintela mine")
    blind = make_user("sales", team=make_team())
    blind.role = nothing
    blind.save()
    assert names(own_user, "marta") == {"mine"}
    assert names(own_user, "marta quintela") == {"mine"}
    for query in QUERIES:
        assert names(blind, query) == set()
