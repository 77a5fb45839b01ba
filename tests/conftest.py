from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.accounts.factories import make_team, make_user

# Tests render templates without running collectstatic first: plain static storage, no manifest.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


# Mutation runs (scripts/mutation) start each mutant's session from a migrated copy.
if os.environ.get("VINCULO_MUTATION_DB"):
    from tests.mutation_db import django_db_setup  # noqa: F401


# The production hashers (argon2 first), kept for the test that checks them.
PRODUCTION_HASHERS = list(settings.PASSWORD_HASHERS)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """argon2 costs ~0.3 s per hash by design; tests hash hundreds of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english_by_default(settings):
    """Tests read English messages unless they choose a language (pt-BR is the product's
    default, covered by the tests that set it)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


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


@pytest.fixture
def test_templates(settings):
    """Templates of tests/templates (probe panels and widgets) besides the app's own."""
    from pathlib import Path

    engine = {**settings.TEMPLATES[0]}
    engine["DIRS"] = [*engine["DIRS"], Path(__file__).parent / "templates"]
    settings.TEMPLATES = [engine]
