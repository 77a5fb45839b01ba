"""Test database for mutation runs (scripts/mutation), loaded by conftest only there.

mutmut runs the tests of every mutant in a new pytest session, and migrating a new SQLite
database takes about a second: most of a mutant's run. Here the first session (mutmut's
own, before any mutant) migrates a template file once; every later session starts from a
private copy of it, so each mutant still gets a fresh, fully migrated database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment: None, django_db_blocker: Any) -> Iterator[None]:
    """Replaces pytest-django's fixture of the same name while VINCULO_MUTATION_DB is set."""
    from django.conf import settings
    from django.db import connections
    from django.test.utils import setup_databases

    template = Path(os.environ["VINCULO_MUTATION_DB"])
    own = template.with_name(f"{template.stem}-{os.getpid()}{template.suffix}")
    connection = connections["default"]
    with django_db_blocker.unblock():
        if template.exists():
            # What create_test_db leaves behind, minus the migrate run: the copy is migrated.
            shutil.copyfile(template, own)
            connection.close()
            connection.settings_dict["NAME"] = settings.DATABASES["default"]["NAME"] = str(own)
        else:
            connection.settings_dict["TEST"]["NAME"] = str(own)
            setup_databases(verbosity=0, interactive=False, keepdb=True, serialized_aliases=set())
            with sqlite3.connect(own) as source, sqlite3.connect(template) as target:
                source.backup(target)
    yield
    with django_db_blocker.unblock():
        connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{own}{suffix}").unlink(missing_ok=True)
