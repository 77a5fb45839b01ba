from __future__ import annotations

import pytest

from tests.accounts.factories import make_user
from vinculo.accounts.models import Role, Team
from vinculo.accounts.services import create_team, delete_team, update_role, update_team
from vinculo.core.errors import NotAllowed, StaleVersion, ValidationFailed
from vinculo.core.models import AuditEntry, OutboxEvent
from vinculo.customers.models import Customer
from vinculo.customers.services import CustomerData, create_customer


def test_team_lifecycle_is_audited(admin, owner, outsider):
    team = create_team(actor=admin, name=" Key   accounts ", members=[owner])
    assert team.name == "Key accounts"
    update_team(
        actor=admin, team=team, expected_version=1, name="Key Accounts", members=[owner, outsider]
    )
    team.refresh_from_db()
    assert team.version == 2
    assert set(team.members.all()) == {owner, outsider}
    delete_team(actor=admin, team=team, expected_version=2)
    assert not Team.objects.filter(pk=team.pk).exists()
    actions = list(
        AuditEntry.objects.filter(model="accounts.team", object_id=str(team.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
    update = AuditEntry.objects.get(model="accounts.team", action="update")
    assert update.changes["members"] == [["owner"], ["outsider", "owner"]]
    names = set(
        OutboxEvent.objects.filter(aggregate="accounts.team").values_list("name", flat=True)
    )
    assert names == {"team.created", "team.updated", "team.deleted"}


def test_team_membership_drives_visibility(admin, owner, outsider):
    customer = create_customer(actor=owner, data=CustomerData(name="Ana"))
    assert not Customer.objects.visible_to(outsider).filter(pk=customer.pk).exists()
    create_team(actor=admin, name="Joint", members=[owner, outsider])
    fresh_outsider = type(outsider).objects.get(pk=outsider.pk)
    assert Customer.objects.visible_to(fresh_outsider).filter(pk=customer.pk).exists()


def test_team_names_are_unique_and_required(admin, team):
    with pytest.raises(ValidationFailed) as err:
        create_team(actor=admin, name="sales SOUTH")
    assert "name" in err.value.errors
    with pytest.raises(ValidationFailed):
        create_team(actor=admin, name="   ")


def test_team_stale_version_and_non_admins(admin, owner, team):
    update_team(actor=admin, team=Team.objects.get(pk=team.pk), expected_version=1, name="A")
    with pytest.raises(StaleVersion):
        update_team(actor=admin, team=Team.objects.get(pk=team.pk), expected_version=1, name="B")
    with pytest.raises(StaleVersion):
        delete_team(actor=admin, team=Team.objects.get(pk=team.pk), expected_version=1)
    with pytest.raises(NotAllowed):
        create_team(actor=owner, name="Mine")
    with pytest.raises(NotAllowed):
        delete_team(actor=owner, team=team, expected_version=None)
    assert Team.objects.get(pk=team.pk).name == "A"


def test_role_update_changes_what_users_see(admin, owner, outsider):
    customer = create_customer(actor=owner, data=CustomerData(name="Ana"))
    sales = Role.objects.get(code="sales")
    update_role(
        actor=admin,
        role=sales,
        expected_version=sales.version,
        read_scope="all",
        can_use_analytics=True,
    )
    sales.refresh_from_db()
    assert sales.read_scope == "all" and sales.can_use_analytics and sales.version == 2
    fresh = type(outsider).objects.get(pk=outsider.pk)
    assert Customer.objects.visible_to(fresh).filter(pk=customer.pk).exists()
    entry = AuditEntry.objects.get(model="accounts.role", object_id=str(sales.pk))
    assert entry.changes == {"read_scope": ["team", "all"], "can_use_analytics": [False, True]}


def test_administrator_role_keeps_settings_rights(admin):
    role = Role.objects.get(code="administrator")
    with pytest.raises(ValidationFailed) as err:
        update_role(actor=admin, role=role, expected_version=None, can_manage_settings=False)
    assert "can_manage_settings" in err.value.errors
    assert Role.objects.get(code="administrator").can_manage_settings


def test_role_update_refuses_bad_scopes_stale_versions_and_non_admins(admin, owner):
    role = Role.objects.get(code="analyst")
    with pytest.raises(ValidationFailed) as err:
        update_role(actor=admin, role=role, expected_version=None, write_scope="everything")
    assert "write_scope" in err.value.errors
    update_role(
        actor=admin, role=Role.objects.get(code="analyst"), expected_version=1, read_scope="team"
    )
    with pytest.raises(StaleVersion):
        update_role(
            actor=admin, role=Role.objects.get(code="analyst"), expected_version=1, read_scope="own"
        )
    with pytest.raises(NotAllowed):
        update_role(actor=owner, role=Role.objects.get(code="sales"), expected_version=None)
    manager = make_user("manager")
    with pytest.raises(NotAllowed):
        update_role(actor=manager, role=Role.objects.get(code="manager"), expected_version=None)
    assert Role.objects.get(code="analyst").read_scope == "team"
