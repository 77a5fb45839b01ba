"""Record visibility per role: the defaults of ARCHITECTURE.md, applied in one place."""

from __future__ import annotations

import pytest

from tests.accounts.factories import make_team, make_user
from tests.customers.factories import make_customer
from vinculo.core.permissions import can
from vinculo.customers.models import Customer


@pytest.fixture
def record(owner):
    return make_customer(owner, name="Ana")


@pytest.mark.parametrize(
    "role,same_team,sees,changes,logs",
    [
        ("administrator", False, True, True, True),
        ("manager", True, True, True, True),
        ("manager", False, False, False, False),
        ("sales", True, True, False, False),
        ("sales", False, False, False, False),
        ("service", False, True, False, True),
        ("marketing", False, True, False, False),
        ("analyst", False, True, False, False),
        ("read_only", True, True, False, False),
        ("read_only", False, False, False, False),
    ],
)
def test_default_roles(record, team, role, same_team, sees, changes, logs):
    user = make_user(role, team=team if same_team else make_team())
    assert Customer.objects.visible_to(user).filter(pk=record.pk).exists() is sees
    assert Customer.objects.editable_by(user).filter(pk=record.pk).exists() is changes
    assert can(user, "view", record) is sees
    assert can(user, "change", record) is changes
    assert can(user, "log", record) is logs


def test_inactive_and_anonymous_see_nothing(record, owner):
    from django.contrib.auth.models import AnonymousUser

    owner.is_active = False
    assert not can(owner, "view", record)
    assert not can(AnonymousUser(), "view", record)


def test_role_scopes_are_editable(record, team):
    user = make_user("sales", team=make_team())
    user.role.read_scope = "all"
    user.role.save()
    assert Customer.objects.visible_to(user).filter(pk=record.pk).exists()
