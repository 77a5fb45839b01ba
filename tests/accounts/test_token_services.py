from __future__ import annotations

import json

import pytest

from vinculo.accounts.models import ApiToken
from vinculo.accounts.services import issue_token, revoke_token, update_user
from vinculo.core.errors import NotAllowed, ValidationFailed
from vinculo.core.models import AuditEntry, OutboxEvent


def test_issue_returns_a_secret_that_authenticates_and_is_not_stored(owner):
    token, secret = issue_token(user=owner, name="Spreadsheet", scope="read")
    assert secret.startswith("vin_") and secret.startswith(token.hint)
    assert ApiToken.authenticate(secret) == token
    assert ApiToken.authenticate(secret + "x") is None
    assert not ApiToken.objects.filter(digest=secret).exists()
    entry = AuditEntry.objects.get(model="accounts.apitoken", object_id=str(token.pk))
    assert entry.action == "create" and entry.actor == owner
    assert entry.changes["scope"] == [None, "read"]
    dumped = json.dumps(entry.changes)
    assert secret not in dumped and token.digest not in dumped
    assert OutboxEvent.objects.filter(name="apitoken.created").exists()


def test_issue_validates_name_and_scope(owner):
    with pytest.raises(ValidationFailed) as err:
        issue_token(user=owner, name="  ", scope="admin")
    assert set(err.value.errors) == {"name", "scope"}
    assert not ApiToken.objects.exists()


def test_owner_revokes_and_the_token_stops_working(owner):
    token, secret = issue_token(user=owner, name="CLI", scope="write")
    revoke_token(actor=owner, token=token)
    assert ApiToken.authenticate(secret) is None
    revoke_token(actor=owner, token=token)  # twice: nothing more happens
    entries = AuditEntry.objects.filter(model="accounts.apitoken", action="update")
    assert entries.count() == 1
    assert OutboxEvent.objects.filter(name="apitoken.revoked").count() == 1


def test_only_the_owner_or_an_admin_revokes(owner, teammate, admin):
    token, secret = issue_token(user=owner, name="CLI", scope="write")
    with pytest.raises(NotAllowed):
        revoke_token(actor=teammate, token=token)
    assert ApiToken.authenticate(secret) == token
    revoke_token(actor=admin, token=token)
    assert ApiToken.authenticate(secret) is None
    assert AuditEntry.objects.get(model="accounts.apitoken", action="update").actor == admin


def test_deactivated_users_tokens_stop_working(owner, admin):
    _token, secret = issue_token(user=owner, name="CLI", scope="read")
    user = type(owner).objects.get(pk=owner.pk)
    update_user(actor=admin, user=user, expected_version=None, is_active=False)
    assert ApiToken.authenticate(secret) is None
