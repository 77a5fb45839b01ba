"""Concurrent uploads to one interaction, as real parallel requests (threads, each with its
own database connection), on whichever database the suite runs on.

On SQLite the threads use a migrated database file of their own: the suite's in-memory test
database is shared between connections with table locks ("database table is locked"), which
a real installation (a file in WAL mode, with busy_timeout) never has."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from tests.accounts.factories import make_token, make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction
from vinculo.timeline.models import Attachment

pytestmark = pytest.mark.django_db(transaction=True)
UPLOADERS = 6
OnDb = Callable[[Callable[[], Any]], Any]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def _bind(file_settings: dict[str, Any] | None) -> None:
    """Point this thread's default connection at the SQLite file (no-op elsewhere)."""
    if file_settings is not None:
        wrapper_class = type(connections["default"])
        connections["default"] = wrapper_class(dict(file_settings), "default")


@pytest.fixture
def on_db(tmp_path) -> Iterator[OnDb]:
    """Runs a function in a new thread connected to the database the uploads race on."""
    file_settings = None
    if connection.vendor == "sqlite":
        file_settings = {**connection.settings_dict, "NAME": str(tmp_path / "race.sqlite3")}

    def run(fn: Callable[[], Any]) -> Any:
        box: dict[str, Any] = {}

        def target() -> None:
            _bind(file_settings)
            try:
                box["value"] = fn()
            except BaseException as exc:
                box["error"] = exc
            finally:
                connections["default"].close()

        thread = threading.Thread(target=target)
        thread.start()
        thread.join(timeout=120)
        if "error" in box:
            raise box["error"]
        return box.get("value")

    if file_settings is not None:
        run(lambda: call_command("migrate", verbosity=0))
    run.file_settings = file_settings  # type: ignore[attr-defined]
    yield run


def _race(on_db: OnDb, interaction_id: int, token: str, headers: list[dict[str, str]]) -> list[Any]:
    """Send one upload per entry of `headers` at the same moment; the answers in order."""
    barrier = threading.Barrier(len(headers))
    answers: list[Any] = [None] * len(headers)
    file_settings = on_db.file_settings  # type: ignore[attr-defined]

    def upload(n: int) -> None:
        _bind(file_settings)
        try:
            client = Client()
            file = SimpleUploadedFile(f"part-{n}.txt", f"part {n}".encode(), "text/plain")
            barrier.wait(timeout=10)
            answers[n] = client.post(
                f"/api/v1/interactions/{interaction_id}/attachments",
                {"file": file},
                HTTP_AUTHORIZATION=f"Bearer {token}",
                **headers[n],
            )
        except Exception as exc:  # reported by the assertions below
            answers[n] = exc
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(len(headers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _setup() -> tuple[int, str]:
    owner = make_user("sales", username="owner")
    return make_interaction(owner, make_customer(owner)).pk, make_token(owner)


def _stored(interaction_id: int) -> tuple[int, list[tuple[int, str]]]:
    from vinculo.timeline.models import Interaction

    version = Interaction.objects.get(pk=interaction_id).version
    rows = Attachment.objects.filter(interaction_id=interaction_id).order_by("name")
    return version, list(rows.values_list("pk", "name"))


def test_concurrent_uploads_without_if_match_all_succeed(on_db):
    interaction_id, token = on_db(_setup)
    answers = _race(on_db, interaction_id, token, [{}] * UPLOADERS)
    statuses = [getattr(a, "status_code", a) for a in answers]
    assert statuses == [201] * UPLOADERS
    version, stored = on_db(lambda: _stored(interaction_id))
    assert version == 1 + UPLOADERS
    assert [name for _, name in stored] == [f"part-{n}.txt" for n in range(UPLOADERS)]
    # Each answer names its own row.
    assert sorted((a.json()["id"], a.json()["name"]) for a in answers) == sorted(stored)


def test_concurrent_uploads_with_the_same_if_match_one_wins(on_db):
    interaction_id, token = on_db(_setup)
    answers = _race(on_db, interaction_id, token, [{"HTTP_IF_MATCH": '"1"'}] * UPLOADERS)
    statuses = sorted(getattr(a, "status_code", a) for a in answers)
    assert statuses == [201] + [412] * (UPLOADERS - 1)
    assert {a.json()["code"] for a in answers if a.status_code == 412} == {"stale_version"}
    version, stored = on_db(lambda: _stored(interaction_id))
    assert version == 2 and len(stored) == 1
