"""Timeline jobs: remove attachment files that no Attachment row references any more.

Files become orphans when a customer is deleted (its interactions and attachments cascade
in the database, the files stay), and when an enclosing transaction rolls back after
files were written (the services remove files themselves when their own block fails, and
delete_interaction removes its files after commit, so those are rare).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from vinculo.core.jobs import job_lock
from vinculo.timeline.services import attachment_storage, delete_unreferenced_files

# Where models.attachment_path puts every file: attachments/<year>/<month>/<xx>/<sha256>.
ATTACHMENTS_DIR = "attachments"
# A file younger than this may belong to an upload whose transaction has not committed yet.
ORPHAN_MIN_AGE = dt.timedelta(hours=1)
FILES_PER_BATCH = 500  # old files checked against the database in one query
# Far longer than a run; a consumer killed mid-run blocks the job until this expires.
PRUNE_LOCK_SECONDS = 6 * 3600


@dataclass
class PruneFilesReport:
    checked: int = 0  # files seen under attachments/
    young: int = 0  # left alone: younger than ORPHAN_MIN_AGE
    deleted: int = 0  # old and referenced by no Attachment row


def _stored_files(location: str, directory: str) -> Iterator[tuple[str, float]]:
    """(storage name, mtime) of every regular file under `directory`, walked one directory
    at a time so memory stays flat however many files there are. Symlinks are skipped."""
    pending = [directory]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        try:
                            mtime = entry.stat(follow_symlinks=False).st_mtime
                        except FileNotFoundError:  # removed while we walked
                            continue
                        name = os.path.relpath(entry.path, location).replace(os.sep, "/")
                        yield name, mtime
        except (FileNotFoundError, NotADirectoryError):
            continue


def delete_orphan_files(
    *, now: dt.datetime | None = None, batch: int = FILES_PER_BATCH
) -> PruneFilesReport:
    """Delete files under attachments/ older than ORPHAN_MIN_AGE that no Attachment row
    references. Cost: one directory listing and stat per file, one indexed query per
    `batch` old files; nothing is held in memory beyond one batch."""
    report = PruneFilesReport()
    storage = attachment_storage()
    try:
        location = storage.path("")
        root = storage.path(ATTACHMENTS_DIR)
    except NotImplementedError:  # not on a local disk: nothing to walk
        return report
    cutoff = ((now or timezone.now()) - ORPHAN_MIN_AGE).timestamp()
    old: list[str] = []
    for name, mtime in _stored_files(location, root):
        report.checked += 1
        if mtime > cutoff:
            report.young += 1
            continue
        old.append(name)
        if len(old) >= batch:
            report.deleted += len(delete_unreferenced_files(old))
            old = []
    if old:
        report.deleted += len(delete_unreferenced_files(old))
    return report


@db_periodic_task(crontab(hour="3", minute="47"))
def prune_orphan_files() -> dict[str, int]:
    """Every night: attachment files nothing points at (see delete_orphan_files), under a
    lock that expires (a run is safe to repeat; the lock only spares the wasted work)."""
    with job_lock("prune-orphan-files", ttl_seconds=PRUNE_LOCK_SECONDS) as acquired:
        if not acquired:
            return asdict(PruneFilesReport())
        return asdict(delete_orphan_files())
