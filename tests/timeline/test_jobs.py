"""prune_orphan_files: attachment files nothing references go once they are an hour old;
young files (uploads in progress) and referenced files stay."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY

from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction
from vinculo.core.jobs import acquire_lock, job_lock
from vinculo.customers.services import delete_customer
from vinculo.timeline import jobs
from vinculo.timeline.services import FileIn

pytestmark = pytest.mark.jobs  # also run on Redis by scripts/test-all

HOUR = 3600


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def put(media: Path, name: str, *, age: float) -> Path:
    """A file at storage name `name`, last written `age` seconds ago."""
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    age_to(path, age)
    return path


def age_to(path: Path, age: float) -> None:
    when = time.time() - age
    os.utime(path, (when, when))


def test_old_orphans_go_young_and_referenced_files_stay(db, owner, media):
    customer = make_customer(owner, name="Ana")
    interaction = make_interaction(owner, customer, files=[FileIn("a.pdf", b"kept")])
    referenced = media / interaction.attachments.get().file.name
    age_to(referenced, 30 * 24 * HOUR)
    orphan = put(media, "attachments/2024/01/ab/ab12", age=2 * HOUR)
    just_old = put(media, "attachments/2024/01/cd/cd34", age=HOUR + 60)
    uploading = put(media, "attachments/2026/11/ef/ef56", age=10 * 60)
    elsewhere = put(media, "exports/old.csv", age=30 * 24 * HOUR)

    report = jobs.delete_orphan_files()

    assert (report.checked, report.young, report.deleted) == (4, 1, 2)
    assert not orphan.exists() and not just_old.exists()
    assert referenced.exists() and uploading.exists() and elsewhere.exists()
    assert jobs.delete_orphan_files().deleted == 0


def test_a_deleted_customers_files_go_with_the_job(db, owner, media):
    customer = make_customer(owner, name="Ana")
    interaction = make_interaction(owner, customer, files=[FileIn("a.pdf", b"pdf")])
    path = media / interaction.attachments.get().file.name
    delete_customer(actor=owner, customer=customer, expected_version=None)

    assert jobs.delete_orphan_files().deleted == 0  # an hour's grace: could be an upload
    assert path.exists()
    age_to(path, 2 * HOUR)
    assert jobs.delete_orphan_files().deleted == 1
    assert not path.exists()


def test_files_are_checked_one_query_per_batch(db, media, django_assert_num_queries):
    paths = [put(media, f"attachments/2024/02/{i:02x}/{i:064x}", age=2 * HOUR) for i in range(5)]
    put(media, "attachments/2026/11/aa/young", age=0)
    with django_assert_num_queries(3):  # 5 old files, 2 per batch; young ones cost nothing
        report = jobs.delete_orphan_files(batch=2)
    assert report.deleted == 5
    assert not any(p.exists() for p in paths)


def test_nothing_to_walk(db, media, settings):
    assert jobs.delete_orphan_files() == jobs.PruneFilesReport()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert jobs.delete_orphan_files() == jobs.PruneFilesReport()


def test_the_job_runs_under_a_lock_and_is_scheduled(db, media):
    put(media, "attachments/2024/01/ab/ab12", age=2 * HOUR)
    assert jobs.prune_orphan_files.call_local() == {"checked": 1, "young": 0, "deleted": 1}
    with job_lock("prune-orphan-files", ttl_seconds=60) as acquired:
        assert acquired
        put(media, "attachments/2024/01/ab/ab13", age=2 * HOUR)
        assert jobs.prune_orphan_files.call_local() == {"checked": 0, "young": 0, "deleted": 0}
    # A lock left by a consumer killed mid-run (never released) expires.
    assert acquire_lock("prune-orphan-files", ttl_seconds=jobs.PRUNE_LOCK_SECONDS)
    assert jobs.prune_orphan_files.call_local()["deleted"] == 0
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=jobs.PRUNE_LOCK_SECONDS + 1)):
        assert jobs.prune_orphan_files.call_local()["deleted"] == 1

    autodiscover_modules("tasks")  # what the consumer does at start
    periodic = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert "prune_orphan_files" in periodic
