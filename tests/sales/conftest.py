import pytest

from tests.accounts.factories import make_user


@pytest.fixture
def manager(team):
    """A manager: keeps the catalogue (the role's catalogue capability)."""
    return make_user("manager", team=team, username="manager")


@pytest.fixture
def reader(db):
    """A read-only user: reads the catalogue, changes nothing."""
    return make_user("read_only", username="reader")
