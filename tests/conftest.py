from __future__ import annotations

import pytest
from django.conf import settings

# Tests render templates without running collectstatic first: plain static storage, no manifest.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from tests.accounts.factories import make_team, make_user


@pytest.fixture
def team(db):
    return make_team("Sales South")


@pytest.fixture
def owner(team):
    """A sales rep who owns the records under test."""
    return make_user("sales", team=team, username="owner")


@pytest.fixture
def teammate(team):
    """A sales rep in the owner's team: reads the owner's records, cannot change them."""
    return make_user("sales", team=team, username="teammate")


@pytest.fixture
def outsider(db):
    """A sales rep in another team: must never read or change the owner's records."""
    return make_user("sales", team=make_team("Sales North"), username="outsider")


@pytest.fixture
def admin(db):
    return make_user("administrator", username="admin")
