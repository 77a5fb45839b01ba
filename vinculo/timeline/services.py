"""Writers of the logbook: interactions, attachments and tasks."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from types import TracebackType
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vinculo.core import persistence
from vinculo.core.errors import Conflict, NotFound, ValidationFailed, field_message
from vinculo.core.links import linkable_model, visible_target
from vinculo.core.permissions import can, require, require_create, restrict
from vinculo.customers.models import Customer
from vinculo.timeline.models import Attachment, Channel, Interaction, InteractionLink, Task

logger = logging.getLogger(__name__)

SUBJECT_MAX = 200
BODY_MAX = 50000
MAX_DURATION = 24 * 3600
NAMES_PER_QUERY = 500  # stored names looked up in one `file__in` query
SOURCE_MAX = 100
EXTERNAL_ID_MAX = 200
# The source of an external id given without one (API callers; docs/api.md).
DEFAULT_SOURCE = "api"
# Domain events this app names itself (docs/development/events.md); others are generic.
LOGGED = "interaction.logged"


class ExternalIdConflict(Conflict):
    """The (source, external_id) pair names an interaction the caller may not see or one
    about another customer or channel: not a re-delivery, so nothing is logged."""

    code = "external_id_conflict"
    title = gettext_lazy(
        "This external id is already used by another interaction from the same source."
    )


@dataclass
class FileIn:
    name: str
    content: bytes
    content_type: str = ""


@dataclass
class InteractionData:
    channel: str | None = None
    direction: str | None = None
    occurred_at: dt.datetime | None = None
    subject: str | None = None
    body: str | None = None
    duration_seconds: int | None = None
    outcome: str | None = None
    user_ids: list[int] | None = None
    other_customer_ids: list[int] | None = None
    source: str | None = None
    external_id: str | None = None
    links: list[tuple[str, str]] | None = None
    files: list[FileIn] = field(default_factory=list)
    # Optional fields to empty (None above means "leave unchanged"), e.g. {"duration_seconds"}.
    cleared: set[str] = field(default_factory=set)


def _errors_add(
    errors: dict[str, list[str]], name: str, message: str, code: str = "invalid"
) -> None:
    errors.setdefault(name, []).append(field_message(message, code))


def _apply(interaction: Interaction, data: InteractionData, actor: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.channel is not None:
        if data.channel not in Channel.values:
            _errors_add(errors, "channel", _("Choose a channel."), code="invalid_choice")
        else:
            interaction.channel = data.channel
    elif not interaction.pk:
        _errors_add(errors, "channel", _("Choose a channel."), code="required")
    if data.direction is not None:
        if data.direction not in Interaction.Direction.values:
            _errors_add(
                errors,
                "direction",
                _("Choose inbound, outbound or internal."),
                code="invalid_choice",
            )
        else:
            interaction.direction = data.direction
    if interaction.channel == Channel.NOTE:
        interaction.direction = Interaction.Direction.INTERNAL
    if data.occurred_at is not None:
        if data.occurred_at > timezone.now() + dt.timedelta(days=366):
            _errors_add(
                errors, "occurred_at", _("The date is too far in the future."), code="out_of_range"
            )
        else:
            interaction.occurred_at = data.occurred_at
    if data.subject is not None:
        subject = " ".join(data.subject.split())
        if len(subject) > SUBJECT_MAX:
            _errors_add(
                errors,
                "subject",
                _("At most %(n)d characters.") % {"n": SUBJECT_MAX},
                code="too_long",
            )
        interaction.subject = subject[:SUBJECT_MAX]
    if data.body is not None:
        if len(data.body) > BODY_MAX:
            _errors_add(
                errors, "body", _("At most %(n)d characters.") % {"n": BODY_MAX}, code="too_long"
            )
        interaction.body = data.body[:BODY_MAX]
    if data.duration_seconds is not None:
        if not 0 <= data.duration_seconds <= MAX_DURATION:
            _errors_add(
                errors,
                "duration_seconds",
                _("Enter a duration up to 24 hours."),
                code="out_of_range",
            )
        else:
            interaction.duration_seconds = data.duration_seconds
    elif "duration_seconds" in data.cleared:
        interaction.duration_seconds = None
    if data.outcome is not None:
        if data.outcome and data.outcome not in Interaction.Outcome.values:
            _errors_add(errors, "outcome", _("Choose an outcome."), code="invalid_choice")
        else:
            interaction.outcome = data.outcome
    if data.source is not None:
        source = data.source.strip()
        if len(source) > SOURCE_MAX:
            _errors_add(
                errors,
                "source",
                _("At most %(n)d characters.") % {"n": SOURCE_MAX},
                code="too_long",
            )
        interaction.source = source[:SOURCE_MAX]
    if data.external_id is not None:
        external_id = data.external_id.strip()
        if len(external_id) > EXTERNAL_ID_MAX:
            _errors_add(
                errors,
                "external_id",
                _("At most %(n)d characters.") % {"n": EXTERNAL_ID_MAX},
                code="too_long",
            )
        interaction.external_id = external_id[:EXTERNAL_ID_MAX]
    if interaction.external_id and not interaction.source:
        interaction.source = DEFAULT_SOURCE
    if not interaction.subject and not interaction.body and not data.files:
        _errors_add(errors, "body", _("Write a subject or some details."), code="required")
    for f in data.files:
        if len(f.content) > settings.ATTACHMENT_MAX_BYTES:
            _errors_add(
                errors,
                "files",
                _("“%(name)s” is larger than %(mb)d MB.")
                % {"name": f.name, "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)},
                code="file_too_large",
            )
    return errors


def _people(data: InteractionData, actor: Any, errors: dict[str, list[str]]) -> tuple[list, list]:
    from django.contrib.auth import get_user_model

    users: list = []
    customers: list = []
    if data.user_ids is not None:
        users = list(get_user_model().objects.filter(pk__in=data.user_ids, is_active=True))
        if len(users) != len(set(data.user_ids)):
            _errors_add(errors, "users", _("Unknown user."), code="unknown_user")
    if data.other_customer_ids is not None:
        customers = list(
            restrict(Customer.objects.all(), actor, "view").filter(pk__in=data.other_customer_ids)
        )
        if len(customers) != len(set(data.other_customer_ids)):
            _errors_add(
                errors, "other_customers", _("Choose customers you can see."), code="not_visible"
            )
    return users, customers


def _links(
    data: InteractionData, actor: Any, errors: dict[str, list[str]]
) -> list[tuple[str, str]]:
    """The links to keep, as (model label, primary key as text), each checked: a registered
    linkable type (core.links) and a record that exists and the actor may see. Repeats
    are dropped."""
    links: list[tuple[str, str]] = []
    for i, (label, target_id) in enumerate(data.links or []):
        model = linkable_model(label)
        if model is None:
            _errors_add(
                errors,
                f"links.{i}.model",
                _("Records of this type cannot be linked."),
                code="not_linkable",
            )
            continue
        target = visible_target(actor, label, target_id)
        if target is None:
            _errors_add(
                errors, f"links.{i}.id", _("Choose a record you can see."), code="not_visible"
            )
            continue
        link = (model._meta.label_lower, str(target.pk))
        if link not in links:
            links.append(link)
    return links


def attachment_storage() -> Storage:
    """Where Attachment files live (the FileField's storage: MEDIA_ROOT by default)."""
    return Attachment._meta.get_field("file").storage


def referenced_names(names: Iterable[str]) -> set[str]:
    """Which of these stored names an Attachment row points at (one indexed query per
    NAMES_PER_QUERY names)."""
    names = list(dict.fromkeys(names))
    found: set[str] = set()
    for start in range(0, len(names), NAMES_PER_QUERY):
        chunk = names[start : start + NAMES_PER_QUERY]
        rows = Attachment.objects.filter(file__in=chunk).order_by().values_list("file", flat=True)
        found.update(rows)
    return found


def delete_unreferenced_files(names: Iterable[str]) -> list[str]:
    """Remove from storage the files among `names` that no Attachment row references, and
    return them. A file another row still points at (the same stored name) is kept. A file
    that cannot be removed is logged and left to prune_orphan_files."""
    names = [n for n in dict.fromkeys(names) if n]
    if not names:
        return []
    keep = referenced_names(names)
    storage = attachment_storage()
    deleted = []
    for name in names:
        if name in keep:
            continue
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete attachment file %s", name, exc_info=True)
            continue
        deleted.append(name)
    return deleted


class _NewFiles:
    """Collects the names of files written inside a transaction block; if the block fails
    (its rows roll back), removes them again so nothing is left on disk.

    Enter it before the `transaction.atomic()` it guards (`with new_files,
    transaction.atomic():`) so the rollback has happened when it looks for references.
    Django has no rollback hook, so a rollback of an *enclosing* transaction after this
    block succeeded is not seen here: prune_orphan_files removes those files later."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __enter__(self) -> _NewFiles:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None or not self.names:
            return
        if transaction.get_connection().needs_rollback:
            # The enclosing transaction is broken and cannot be queried; it will roll back
            # and prune_orphan_files will find these files unreferenced.
            return
        try:
            delete_unreferenced_files(self.names)
        except DatabaseError:
            logger.warning("Could not clean up files of a failed write", exc_info=True)


def _store_files(interaction: Interaction, files: list[FileIn], written: list[str]) -> list[str]:
    """Write the files and their Attachment rows; every stored name is appended to `written`
    as soon as it is on disk, so a failure later in the transaction can remove it."""
    names = []
    for f in files:
        digest = hashlib.sha256(f.content).hexdigest()
        name = (f.name or "file").replace("/", "_").replace("\\", "_")[:255]
        attachment = Attachment(
            interaction=interaction,
            name=name,
            content_type=(
                f.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
            )[:100],
            size=len(f.content),
            sha256=digest,
        )
        attachment.file.save(name, ContentFile(f.content), save=False)
        written.append(str(attachment.file.name))
        attachment.save()
        names.append(name)
    return names


def _same_external(interaction: Interaction) -> Interaction | None:
    return (
        Interaction.objects.select_related("customer")
        .filter(source=interaction.source, external_id=interaction.external_id)
        .first()
    )


def _redelivered(actor: Any, wanted: Interaction, existing: Interaction) -> Interaction:
    """The interaction already logged under this (source, external_id), if this is a
    re-delivery: the caller sees it and it is about the same customer on the same channel.
    Anything else is a conflict, answered without saying more about the other record."""
    if (
        can(actor, "view", existing)
        and existing.customer_id == wanted.customer_id
        and existing.channel == wanted.channel
    ):
        return existing
    raise ExternalIdConflict()


def record_interaction(
    *, actor: Any, customer: Customer, data: InteractionData
) -> tuple[Interaction, bool]:
    """Add a contact to the customer's timeline; `(interaction, created)`. A re-delivery of
    the same (source, external_id) returns the first interaction with created False, also
    when two deliveries race (the unique constraint decides which one writes)."""
    interaction = Interaction(customer=customer, created_by=actor if actor.pk else None)
    require(actor, "add", interaction)
    errors = _apply(interaction, data, actor)
    users, others = _people(data, actor, errors)
    links = _links(data, actor, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    if interaction.external_id:
        existing = _same_external(interaction)
        if existing is not None:
            return _redelivered(actor, interaction, existing), False

    new_files = _NewFiles()

    def save_related(obj: Interaction) -> dict[str, list[Any]]:
        related: dict[str, list[Any]] = {}
        if users:
            obj.users.set(users)
            related["users"] = [None, [u.pk for u in users]]
        if others:
            obj.other_customers.set(others)
            related["other_customers"] = [None, [c.pk for c in others]]
        if links:
            InteractionLink.objects.bulk_create(
                [InteractionLink(interaction=obj, target_model=m, target_id=i) for m, i in links]
            )
        if data.files:
            related["attachments"] = [None, _store_files(obj, data.files, new_files.names)]
        return related

    try:
        with new_files, transaction.atomic():
            persistence.create(
                interaction,
                actor=actor,
                save_related=save_related,
                event_payload={"customer_id": customer.pk, "channel": interaction.channel},
                event_name=LOGGED,
            )
    except IntegrityError:
        # Two deliveries of the same external event raced: on PostgreSQL the loser's insert
        # waits for the winner's commit, then fails here and reads the winner's row.
        if not interaction.external_id:
            raise
        existing = _same_external(interaction)
        if existing is None:
            raise
        return _redelivered(actor, interaction, existing), False
    return interaction, True


def log_interaction(*, actor: Any, customer: Customer, data: InteractionData) -> Interaction:
    """Add a contact to the customer's timeline (see record_interaction)."""
    return record_interaction(actor=actor, customer=customer, data=data)[0]


def update_interaction(
    *, actor: Any, interaction: Interaction, data: InteractionData, expected_version: int | None
) -> Interaction:
    require(actor, "change", interaction)
    errors = _apply(interaction, data, actor)
    users, others = _people(data, actor, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    new_files = _NewFiles()
    with new_files, transaction.atomic():
        related: dict[str, list[Any]] = {}
        if data.user_ids is not None:
            before = [u.pk for u in interaction.users.all()]
            interaction.users.set(users)
            if before != [u.pk for u in users]:
                related["users"] = [before, [u.pk for u in users]]
        if data.other_customer_ids is not None:
            before = [c.pk for c in interaction.other_customers.all()]
            interaction.other_customers.set(others)
            if before != [c.pk for c in others]:
                related["other_customers"] = [before, [c.pk for c in others]]
        if data.files:
            stored = _store_files(interaction, data.files, new_files.names)
            related["attachments"] = [None, stored]
        persistence.update(
            interaction, actor=actor, expected_version=expected_version, related_changes=related
        )
    return interaction


def add_attachments(
    *, actor: Any, interaction: Interaction, files: list[FileIn], expected_version: int | None
) -> list[Attachment]:
    """Attach files to an interaction; the new Attachment rows, in order.

    Adding a file overwrites nothing anyone else edits, so without an expected version it
    never fails on a concurrent change: the row is locked (SELECT … FOR UPDATE on PostgreSQL;
    SQLite's IMMEDIATE transactions already serialize writers) and the version is raised from
    its current value. With one, a stale version is refused as for any other edit."""
    require(actor, "change", interaction)
    new_files = _NewFiles()
    with new_files, transaction.atomic():
        current = Interaction.objects.select_for_update().filter(pk=interaction.pk).first()
        if current is None:
            raise NotFound()
        names = _store_files(current, files, new_files.names)
        persistence.touch(
            current,
            actor=actor,
            expected_version=current.version if expected_version is None else expected_version,
            changes={"attachments": [None, names]},
        )
        created = list(
            Attachment.objects.filter(interaction=current, file__in=new_files.names).order_by("pk")
        )
    interaction.version, interaction.updated_at = current.version, current.updated_at
    return created


def delete_interaction(
    *, actor: Any, interaction: Interaction, expected_version: int | None
) -> None:
    """Delete an interaction; its attachment files go once the deletion has committed."""
    require(actor, "delete", interaction)
    with transaction.atomic():
        files = list(interaction.attachments.values_list("file", flat=True))
        persistence.delete(interaction, actor=actor, expected_version=expected_version)
        if files:
            # After commit: a rolled-back delete keeps its files; another row pointing at
            # the same stored name keeps it too (delete_unreferenced_files checks).
            transaction.on_commit(partial(delete_unreferenced_files, files), robust=True)


@dataclass
class TaskData:
    title: str | None = None
    notes: str | None = None
    due_date: dt.date | None = None
    priority: str | None = None
    assignee_id: int | None = None
    customer_id: int | None = None
    cleared: set[str] = field(default_factory=set)


def _apply_task(task: Task, data: TaskData, actor: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.title is not None:
        title = " ".join(data.title.split())
        if not title:
            _errors_add(errors, "title", _("This field is required."), code="required")
        elif len(title) > 200:
            _errors_add(
                errors, "title", _("At most %(n)d characters.") % {"n": 200}, code="too_long"
            )
        task.title = title[:200]
    elif not task.pk:
        _errors_add(errors, "title", _("This field is required."), code="required")
    if data.notes is not None:
        if len(data.notes) > 10000:
            _errors_add(
                errors, "notes", _("At most %(n)d characters.") % {"n": 10000}, code="too_long"
            )
        task.notes = data.notes[:10000]
    if data.due_date is not None or "due_date" in data.cleared:
        task.due_date = data.due_date
    if data.priority is not None:
        if data.priority not in Task.Priority.values:
            _errors_add(errors, "priority", _("Choose a priority."), code="invalid_choice")
        else:
            task.priority = data.priority
    if data.assignee_id is not None and data.assignee_id != task.assignee_id:
        from django.contrib.auth import get_user_model

        exists = get_user_model().objects.filter(pk=data.assignee_id, is_active=True).exists()
        if not exists:
            _errors_add(errors, "assignee", _("Unknown user."), code="unknown_user")
        elif not can(actor, "add", Task(assignee_id=data.assignee_id)):
            # Whoever a task goes to, the actor could have created it for them.
            _errors_add(
                errors, "assignee", _("You cannot assign tasks to this user."), code="not_allowed"
            )
        else:
            task.assignee_id = data.assignee_id
    if data.customer_id is not None:
        customer = (
            restrict(Customer.objects.all(), actor, "view").filter(pk=data.customer_id).first()
        )
        if customer is None:
            _errors_add(errors, "customer", _("Choose a customer you can see."), code="not_visible")
        else:
            task.customer = customer
    elif "customer" in data.cleared:
        task.customer = None
    return errors


def create_task(*, actor: Any, data: TaskData) -> Task:
    """Create a task, assigned to the actor unless another (visible) user is chosen.
    Roles that may write nothing create no tasks."""
    require_create(actor, Task)
    task = Task(assignee_id=actor.pk, created_by_id=actor.pk)
    errors = _apply_task(task, data, actor)
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        persistence.create(task, actor=actor)
    return task


def update_task(*, actor: Any, task: Task, data: TaskData, expected_version: int | None) -> Task:
    """Apply the fields set in `data` if the version still matches (else StaleVersion)."""
    require(actor, "change", task)
    errors = _apply_task(task, data, actor)
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        persistence.update(task, actor=actor, expected_version=expected_version)
    return task


def set_task_done(*, actor: Any, task: Task, done: bool, expected_version: int | None) -> Task:
    """Mark a task done (or open again): events "task.completed" / "task.reopened"."""
    require(actor, "change", task)
    task.done_at = timezone.now() if done else None
    with transaction.atomic():
        persistence.update(
            task,
            actor=actor,
            expected_version=expected_version,
            event_name="task.completed" if done else "task.reopened",
        )
    return task


def delete_task(*, actor: Any, task: Task, expected_version: int | None) -> None:
    """Delete a task if the version still matches."""
    require(actor, "delete", task)
    with transaction.atomic():
        persistence.delete(task, actor=actor, expected_version=expected_version)
