"""Attachment files on disk follow their rows: a failed log or edit leaves no file behind,
a deleted interaction's files go once the deletion commits, shared files stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction
from vinculo.core import events
from vinculo.core.errors import StaleVersion
from vinculo.timeline import services
from vinculo.timeline.models import Attachment, Interaction
from vinculo.timeline.services import FileIn, InteractionData


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored(media: Path) -> list[str]:
    """Every file under the media root, as storage names."""
    return sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())


@pytest.fixture
def customer(owner):
    return make_customer(owner, name="Ana")


def test_a_logged_file_is_stored_once(owner, customer, media):
    interaction = make_interaction(owner, customer, files=[FileIn("a.pdf", b"pdf")])
    assert stored(media) == [interaction.attachments.get().file.name]


def test_a_log_failing_after_its_files_were_written_leaves_no_file(
    owner, customer, media, monkeypatch
):
    def outbox_down(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(events, "emit", outbox_down)  # runs after the files are saved
    with pytest.raises(RuntimeError):
        make_interaction(owner, customer, files=[FileIn("a.pdf", b"one"), FileIn("b.pdf", b"two")])
    assert not Interaction.objects.exists()
    assert stored(media) == []


def test_a_disk_full_halfway_through_the_files_leaves_no_file(owner, customer, media, monkeypatch):
    real_save = FileSystemStorage._save
    calls = []

    def save_then_fail(self, name, content):
        calls.append(name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", save_then_fail)
    with pytest.raises(OSError):
        make_interaction(owner, customer, files=[FileIn("a.pdf", b"one"), FileIn("b.pdf", b"two")])
    assert len(calls) == 2
    assert stored(media) == []
    assert not Attachment.objects.exists()


def test_a_stale_edit_with_files_leaves_no_file(owner, customer, media):
    interaction = make_interaction(owner, customer, subject="Call")
    with pytest.raises(StaleVersion):
        services.update_interaction(
            actor=owner,
            interaction=interaction,
            data=InteractionData(files=[FileIn("late.pdf", b"late")]),
            expected_version=interaction.version - 1,
        )
    assert stored(media) == []
    assert not Attachment.objects.exists()


def test_a_failed_edit_keeps_a_file_a_committed_attachment_shares(owner, customer, media, settings):
    # With overwriting storage the same content in the same month is one stored file.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"allow_overwrite": True},
        },
    }
    first = make_interaction(owner, customer, files=[FileIn("a.pdf", b"same bytes")])
    second = make_interaction(owner, customer, subject="Call")
    with pytest.raises(StaleVersion):
        services.update_interaction(
            actor=owner,
            interaction=second,
            data=InteractionData(files=[FileIn("copy.pdf", b"same bytes")]),
            expected_version=second.version - 1,
        )
    attachment = first.attachments.get()
    assert stored(media) == [attachment.file.name]
    with attachment.file.open("rb") as f:
        assert f.read() == b"same bytes"


def test_a_deleted_interactions_files_go_after_commit(
    owner, customer, media, django_capture_on_commit_callbacks
):
    interaction = make_interaction(
        owner, customer, files=[FileIn("a.pdf", b"one"), FileIn("b.pdf", b"two")]
    )
    keep = make_interaction(owner, customer, files=[FileIn("a.pdf", b"one")])
    assert len(stored(media)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_interaction(
            actor=owner, interaction=interaction, expected_version=interaction.version
        )
        assert len(stored(media)) == 3  # not before the deletion commits
    assert stored(media) == [keep.attachments.get().file.name]


def test_a_delete_that_fails_keeps_the_files(
    owner, customer, media, django_capture_on_commit_callbacks
):
    interaction = make_interaction(owner, customer, files=[FileIn("a.pdf", b"one")])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(StaleVersion):
            services.delete_interaction(
                actor=owner, interaction=interaction, expected_version=interaction.version + 1
            )
    assert callbacks == []
    assert stored(media) == [interaction.attachments.get().file.name]


def test_a_shared_file_stays_while_another_attachment_references_it(
    owner, customer, media, django_capture_on_commit_callbacks
):
    first = make_interaction(owner, customer, files=[FileIn("a.pdf", b"shared")])
    original = first.attachments.get()
    second = make_interaction(owner, customer, subject="Forwarded")
    copy = Attachment.objects.create(
        interaction=second,
        file=original.file.name,
        name="forwarded.pdf",
        content_type=original.content_type,
        size=original.size,
        sha256=original.sha256,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_interaction(actor=owner, interaction=first, expected_version=None)
    assert stored(media) == [copy.file.name]
    with Attachment.objects.get(pk=copy.pk).file.open("rb") as f:
        assert f.read() == b"shared"

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_interaction(actor=owner, interaction=second, expected_version=None)
    assert stored(media) == []


def test_a_file_already_gone_does_not_break_the_delete(
    owner, customer, media, django_capture_on_commit_callbacks
):
    interaction = make_interaction(owner, customer, files=[FileIn("a.pdf", b"one")])
    (media / interaction.attachments.get().file.name).unlink()
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_interaction(actor=owner, interaction=interaction, expected_version=None)
    assert not Interaction.objects.filter(pk=interaction.pk).exists()


def test_looking_up_references_takes_one_query_per_batch(
    owner, customer, monkeypatch, django_assert_num_queries
):
    make_interaction(owner, customer, files=[FileIn("a.pdf", b"one")])
    name = Attachment.objects.get().file.name
    monkeypatch.setattr(services, "NAMES_PER_QUERY", 2)
    names = [name, "attachments/x/1", "attachments/x/2", "attachments/x/3", name]
    with django_assert_num_queries(2):
        assert services.referenced_names(names) == {name}
