from __future__ import annotations

import json

import pytest
from django.utils import translation

from tests.accounts.factories import PASSWORD, make_team, make_user
from vinculo.accounts.models import Role, User
from vinculo.accounts.services import create_user, set_password, update_user
from vinculo.core.errors import NotAllowed, StaleVersion, ValidationFailed
from vinculo.core.models import AuditEntry, OutboxEvent

NEW_PASSWORD = "quartz lantern meadow 97"


def _entries(user: User) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(model="accounts.user", object_id=str(user.pk)).order_by("id")
    )


def test_admin_creates_user_with_teams_audited_without_password(admin, team):
    user = create_user(
        actor=admin,
        username="maria",
        password=NEW_PASSWORD,
        role=Role.objects.get(code="service"),
        first_name="  Maria   Clara ",
        email="Maria@Example.COM",
        teams=[team],
        language="es",
        time_zone="Europe/Lisbon",
    )
    user.refresh_from_db()
    assert user.first_name == "Maria Clara"
    assert user.email == "Maria@example.com"
    assert user.role.code == "service" and user.language == "es"
    assert list(user.teams.values_list("name", flat=True)) == [team.name]
    assert user.check_password(NEW_PASSWORD)
    [entry] = _entries(user)
    assert entry.action == "create" and entry.actor == admin
    assert entry.changes["teams"] == [None, [team.name]]
    assert entry.changes["username"] == [None, "maria"]
    dumped = json.dumps(entry.changes)
    assert "password" not in entry.changes and user.password not in dumped
    assert NEW_PASSWORD not in dumped
    assert OutboxEvent.objects.filter(name="user.created", aggregate_id=str(user.pk)).exists()


def test_only_administrators_create_users(owner):
    with pytest.raises(NotAllowed):
        create_user(
            actor=owner, username="x", password=NEW_PASSWORD, role=Role.objects.get(code="sales")
        )
    assert not User.objects.filter(username="x").exists()


def test_create_user_refuses_bad_input_field_by_field(admin):
    make_user(username="Taken", email="used@example.com")
    with pytest.raises(ValidationFailed) as err:
        create_user(
            actor=admin,
            username="taken",
            password="123",
            role=None,
            email="used@EXAMPLE.com",
            language="fr",
            time_zone="Mars/Olympus",
        )
    assert set(err.value.errors) == {
        "username",
        "password",
        "role",
        "email",
        "language",
        "time_zone",
    }
    assert not User.objects.filter(username="taken").exists()


def test_password_rules_speak_the_users_language(admin):
    with translation.override("pt-br"), pytest.raises(ValidationFailed) as err:
        create_user(
            actor=admin, username="novo", password="abc", role=Role.objects.get(code="sales")
        )
    assert any("muito curta" in m for m in err.value.errors["password"])


def test_admin_changes_role_and_teams_audited(admin, owner, team):
    other = make_team("Key accounts")
    user = User.objects.get(pk=owner.pk)
    update_user(
        actor=admin,
        user=user,
        expected_version=1,
        role=Role.objects.get(code="manager"),
        teams=[team, other],
    )
    user = User.objects.get(pk=owner.pk)
    assert user.role.code == "manager" and user.version == 2
    assert sorted(user.teams.values_list("name", flat=True)) == ["Key accounts", "Sales South"]
    entry = _entries(user)[-1]
    assert entry.action == "update"
    assert entry.changes["teams"] == [["Sales South"], ["Key accounts", "Sales South"]]
    assert entry.changes["role"][1] == Role.objects.get(code="manager").pk


def test_stale_version_is_refused_and_nothing_saved(admin, owner):
    first = User.objects.get(pk=owner.pk)
    second = User.objects.get(pk=owner.pk)
    update_user(actor=admin, user=first, expected_version=1, first_name="Ana")
    with pytest.raises(StaleVersion):
        update_user(actor=admin, user=second, expected_version=1, first_name="Bia", teams=[])
    fresh = User.objects.get(pk=owner.pk)
    assert fresh.first_name == "Ana" and fresh.version == 2
    assert fresh.teams.exists()  # the refused save did not empty the teams either


def test_users_edit_their_own_profile_but_not_their_role_or_others(owner, teammate):
    update_user(
        actor=owner,
        user=owner,
        expected_version=owner.version,
        first_name="Olga",
        language="en",
        time_zone="America/Manaus",
    )
    owner.refresh_from_db()
    assert (owner.first_name, owner.language, owner.time_zone) == ("Olga", "en", "America/Manaus")
    with pytest.raises(NotAllowed):
        update_user(
            actor=owner,
            user=owner,
            expected_version=None,
            role=Role.objects.get(code="administrator"),
        )
    with pytest.raises(NotAllowed):
        update_user(actor=owner, user=owner, expected_version=None, is_active=False)
    with pytest.raises(NotAllowed):
        update_user(actor=owner, user=teammate, expected_version=None, first_name="Hacked")
    assert User.objects.get(pk=teammate.pk).first_name != "Hacked"


def test_deactivation_keeps_the_user_and_one_admin_must_remain(admin, owner):
    update_user(actor=admin, user=owner, expected_version=None, is_active=False)
    assert User.objects.get(pk=owner.pk).is_active is False
    with pytest.raises(ValidationFailed) as err:
        update_user(actor=admin, user=admin, expected_version=None, is_active=False)
    assert "is_active" in err.value.errors
    with pytest.raises(ValidationFailed) as err:
        update_user(
            actor=admin, user=admin, expected_version=None, role=Role.objects.get(code="sales")
        )
    assert "role" in err.value.errors
    second = make_user("administrator")
    update_user(
        actor=second, user=admin, expected_version=None, role=Role.objects.get(code="sales")
    )
    assert not User.objects.get(pk=admin.pk).is_administrator


def test_own_password_needs_the_current_one_and_audit_never_holds_it(owner):
    with pytest.raises(ValidationFailed) as err:
        set_password(actor=owner, user=owner, password=NEW_PASSWORD, current_password="wrong")
    assert set(err.value.errors) == {"current_password"}
    set_password(actor=owner, user=owner, password=NEW_PASSWORD, current_password=PASSWORD)
    fresh = User.objects.get(pk=owner.pk)
    assert fresh.check_password(NEW_PASSWORD) and not fresh.check_password(PASSWORD)
    entry = _entries(fresh)[-1]
    dumped = json.dumps(entry.changes)
    assert set(entry.changes) == {"password"}
    assert fresh.password not in dumped and NEW_PASSWORD not in dumped
    assert PASSWORD not in dumped


def test_admin_resets_others_passwords_others_cannot(admin, owner, teammate):
    set_password(actor=admin, user=owner, password=NEW_PASSWORD)
    assert User.objects.get(pk=owner.pk).check_password(NEW_PASSWORD)
    with pytest.raises(NotAllowed):
        set_password(actor=teammate, user=owner, password="another long phrase 55")
    with pytest.raises(ValidationFailed) as err:
        set_password(actor=admin, user=owner, password="owner")
    assert "password" in err.value.errors


def test_passwords_are_stored_with_argon2(admin, settings):
    from tests.conftest import PRODUCTION_HASHERS

    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = create_user(
        actor=admin, username="argon", password=NEW_PASSWORD, role=Role.objects.get(code="sales")
    )
    stored = User.objects.get(pk=user.pk)
    assert stored.password.startswith("argon2$") and stored.check_password(NEW_PASSWORD)
