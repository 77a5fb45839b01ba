"""The logbook over the JSON API: interactions (with links and attachments) and tasks.
Reads go through `visible_to`, writes through timeline.services."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any

from django.apps import apps
from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status, UploadedFile
from pydantic import BeforeValidator, Field

from vinculo.core.api.concurrency import IF_MATCH_DOC, expected_version, set_etag
from vinculo.core.api.idempotency import idempotent
from vinculo.core.api.problems import ApiProblem
from vinculo.core.api.schemas import (
    DEFAULT_LIMIT,
    Cursor,
    Id,
    Limit,
    Ref,
    StrictSchema,
    aware,
    choice,
    page_body,
    page_schema,
    ref,
)
from vinculo.core.errors import ValidationFailed
from vinculo.core.pagination import keyset_page
from vinculo.core.permissions import can
from vinculo.customers.models import Customer
from vinculo.timeline import services
from vinculo.timeline.models import Attachment, Channel, Interaction, Task
from vinculo.timeline.queries import visible_tasks

router = Router()

ChannelChoice = choice(Channel.values)
DirectionChoice = choice(Interaction.Direction.values)
PEOPLE_MAX = 50


def _visible_customer_ids(user: Any, ids: set[int]) -> set[int]:
    """Which of these customers `user` may see (one query), so names never leak."""
    if not ids:
        return set()
    return set(Customer.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def _not_null(payload: Any, names: set[str]) -> None:
    errors = {
        n: [_("This field cannot be null.")]
        for n in names
        if n in payload.model_fields_set and getattr(payload, n) is None
    }
    if errors:
        raise ValidationFailed(errors=errors)


# --- interactions --------------------------------------------------------------------------


def _text_id(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class LinkIn(StrictSchema):
    model: str = Field(max_length=100, description='"app_label.model", e.g. "customers.customer"')
    id: Annotated[str, BeforeValidator(_text_id), Field(min_length=1, max_length=64)]


class InteractionPatch(StrictSchema):
    """Fields to change; omitted fields stay as they are."""

    channel: ChannelChoice | None = None  # type: ignore[valid-type]
    direction: DirectionChoice | None = None  # type: ignore[valid-type]
    occurred_at: dt.datetime | None = Field(None, description="Without offset: your time zone")
    subject: str | None = Field(None, max_length=services.SUBJECT_MAX)
    body: str | None = Field(None, max_length=services.BODY_MAX)
    duration_seconds: int | None = Field(None, ge=0, le=services.MAX_DURATION)
    outcome: choice(Interaction.Outcome.values, blank=True) | None = None  # type: ignore[valid-type]
    users: list[Id] | None = Field(None, max_length=PEOPLE_MAX, description="Staff user ids")
    other_customers: list[Id] | None = Field(None, max_length=PEOPLE_MAX)


class InteractionIn(InteractionPatch):
    customer: Id
    channel: ChannelChoice  # type: ignore[valid-type]
    external_id: str | None = Field(
        None, max_length=200, description="Id in the source system; a repeat is not logged twice"
    )
    links: list[LinkIn] | None = Field(None, max_length=20)


def _interaction_data(payload: InteractionPatch) -> services.InteractionData:
    _not_null(payload, {"channel", "direction", "occurred_at"})
    sent = payload.model_fields_set
    data = services.InteractionData()
    for name in ("channel", "direction", "subject", "body", "outcome", "external_id"):
        if name in sent:
            value = getattr(payload, name)
            setattr(data, name, "" if value is None else value)
    if "occurred_at" in sent:
        data.occurred_at = aware(payload.occurred_at)
    if "duration_seconds" in sent:
        data.duration_seconds = payload.duration_seconds
        if payload.duration_seconds is None:
            data.cleared.add("duration_seconds")
    if "users" in sent:
        data.user_ids = list(payload.users or [])
    if "other_customers" in sent:
        data.other_customer_ids = list(payload.other_customers or [])
    links = getattr(payload, "links", None)
    if links:
        errors = {}
        for i, link in enumerate(links):
            try:
                apps.get_model(link.model)
            except (LookupError, ValueError):
                errors[f"links.{i}.model"] = [_("Unknown record type.")]
        if errors:
            raise ValidationFailed(errors=errors)
        data.links = [(link.model.lower(), link.id) for link in links]
    return data


class LinkOut(Schema):
    model: str
    id: str


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str
    created_at: dt.datetime


class InteractionOut(Schema):
    id: int
    version: int
    customer: Ref
    channel: str
    direction: str
    occurred_at: dt.datetime
    subject: str
    body: str
    duration_seconds: int | None
    outcome: str
    created_by: Ref | None
    users: list[Ref]
    other_customers: list[Ref]
    external_id: str
    links: list[LinkOut]
    attachments: list[AttachmentOut]
    created_at: dt.datetime
    updated_at: dt.datetime


InteractionPage = page_schema(InteractionOut, "InteractionPage")
_INTERACTION_RELATIONS = ("users", "other_customers", "links", "attachments")


def _attachment_dict(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "content_type": a.content_type,
        "size": a.size,
        "url": f"/api/v1/attachments/{a.pk}",
        "created_at": a.created_at,
    }


def _interaction_dicts(user: Any, rows: list[Interaction]) -> list[dict[str, Any]]:
    """Representations of interactions loaded with their relations (+1 query at most)."""
    others = {c.pk for i in rows for c in i.other_customers.all()}
    shown = _visible_customer_ids(user, others)
    return [
        {
            "id": i.pk,
            "version": i.version,
            "customer": ref(i.customer),
            "channel": i.channel,
            "direction": i.direction,
            "occurred_at": i.occurred_at,
            "subject": i.subject,
            "body": i.body,
            "duration_seconds": i.duration_seconds,
            "outcome": i.outcome,
            "created_by": ref(i.created_by),
            "users": [ref(u) for u in i.users.all()],
            "other_customers": [ref(c) for c in i.other_customers.all() if c.pk in shown],
            "external_id": i.external_id,
            "links": [{"model": k.target_model, "id": k.target_id} for k in i.links.all()],
            "attachments": [_attachment_dict(a) for a in i.attachments.all()],
            "created_at": i.created_at,
            "updated_at": i.updated_at,
        }
        for i in rows
    ]


def _interactions(user: Any) -> Any:
    return (
        Interaction.objects.visible_to(user)
        .select_related("customer", "created_by")
        .prefetch_related(*_INTERACTION_RELATIONS)
    )


def _load_interaction(user: Any, pk: int) -> Interaction:
    interaction = _interactions(user).filter(pk=pk).first()
    if interaction is None:
        raise Http404
    return interaction


def _interaction_detail(user: Any, pk: int, response: HttpResponse) -> dict[str, Any]:
    interaction = _load_interaction(user, pk)
    set_etag(response, interaction)
    return _interaction_dicts(user, [interaction])[0]


@router.get(
    "/interactions", response=InteractionPage, tags=["interactions"], summary="List interactions"
)
def list_interactions(
    request: HttpRequest,
    customer: Id | None = None,
    channel: ChannelChoice | None = None,  # type: ignore[valid-type]
    direction: DirectionChoice | None = None,  # type: ignore[valid-type]
    since: Annotated[dt.datetime | None, Query(description="occurred_at ≥ since")] = None,
    until: Annotated[dt.datetime | None, Query(description="occurred_at < until")] = None,
    cursor: Cursor | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Newest first (by occurred_at, then id), only customers you can see."""
    user: Any = request.auth  # type: ignore[attr-defined]
    qs = _interactions(user)
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if channel:
        qs = qs.filter(channel=channel)
    if direction:
        qs = qs.filter(direction=direction)
    if since is not None:
        qs = qs.filter(occurred_at__gte=aware(since))
    if until is not None:
        qs = qs.filter(occurred_at__lt=aware(until))
    page = keyset_page(qs, order=["-occurred_at", "-id"], cursor=cursor, size=limit)
    return page_body(page, _interaction_dicts(user, page.items))


@router.post(
    "/interactions",
    response={200: InteractionOut, 201: InteractionOut},
    tags=["interactions"],
    summary="Log an interaction",
)
@idempotent
def create_interaction(request: HttpRequest, payload: InteractionIn, response: HttpResponse) -> Any:
    """201 with the new interaction; 200 with the first one when `external_id` was already
    logged on this channel (webhooks may deliver twice)."""
    user: Any = request.auth  # type: ignore[attr-defined]
    customer = Customer.objects.visible_to(user).filter(pk=payload.customer).first()
    if customer is None:
        raise ValidationFailed(errors={"customer": [_("Choose a customer you can see.")]})
    data = _interaction_data(payload)
    started = timezone.now()
    interaction = services.log_interaction(actor=user, customer=customer, data=data)
    if not can(user, "view", interaction):
        raise ValidationFailed(
            errors={"external_id": [_("This id is already used by another interaction.")]}
        )
    created = interaction.created_at >= started
    if created:
        response["Location"] = f"{request.path.rstrip('/')}/{interaction.pk}"
    return Status(201 if created else 200, _interaction_detail(user, interaction.pk, response))


@router.get(
    "/interactions/{id}",
    response=InteractionOut,
    tags=["interactions"],
    summary="Read an interaction",
)
def get_interaction(request: HttpRequest, id: Id, response: HttpResponse) -> dict[str, Any]:
    return _interaction_detail(request.auth, id, response)  # type: ignore[attr-defined]


@router.patch(
    "/interactions/{id}",
    response=InteractionOut,
    tags=["interactions"],
    summary="Edit an interaction",
    openapi_extra=IF_MATCH_DOC,
)
def patch_interaction(
    request: HttpRequest, id: Id, payload: InteractionPatch, response: HttpResponse
) -> dict[str, Any]:
    user: Any = request.auth  # type: ignore[attr-defined]
    interaction = _load_interaction(user, id)
    version = expected_version(request)
    services.update_interaction(
        actor=user,
        interaction=interaction,
        data=_interaction_data(payload),
        expected_version=version,
    )
    return _interaction_detail(user, id, response)


@router.delete(
    "/interactions/{id}",
    response={204: None},
    tags=["interactions"],
    summary="Delete an interaction",
    openapi_extra=IF_MATCH_DOC,
)
def delete_interaction(request: HttpRequest, id: Id) -> None:
    user: Any = request.auth  # type: ignore[attr-defined]
    interaction = _load_interaction(user, id)
    version = expected_version(request)
    services.delete_interaction(actor=user, interaction=interaction, expected_version=version)


@router.post(
    "/interactions/{id}/attachments",
    response={201: AttachmentOut},
    tags=["interactions"],
    summary="Attach a file",
)
@idempotent
def add_attachment(
    request: HttpRequest, id: Id, response: HttpResponse, file: Annotated[UploadedFile, File()]
) -> dict[str, Any]:
    """multipart/form-data with one `file` (at most ATTACHMENT_MAX_BYTES). If-Match is
    optional here; when sent, the interaction must still have that version."""
    user: Any = request.auth  # type: ignore[attr-defined]
    interaction = _load_interaction(user, id)
    version = expected_version(request) if request.headers.get("If-Match") else None
    limit = settings.ATTACHMENT_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise ApiProblem(
            413,
            "file_too_large",
            _("“%(name)s” is larger than %(mb)d MB.")
            % {"name": file.name, "mb": limit // (1024 * 1024)},
            errors=[{"field": "file", "message": _("At most %(n)d bytes.") % {"n": limit}}],
        )
    content = file.read()
    upload = services.FileIn(
        name=file.name or "file", content=content, content_type=file.content_type or ""
    )
    services.update_interaction(
        actor=user,
        interaction=interaction,
        data=services.InteractionData(files=[upload]),
        expected_version=version,
    )
    digest = hashlib.sha256(content).hexdigest()
    attachment = (
        Attachment.objects.filter(interaction=interaction, sha256=digest).order_by("-id").first()
    )
    if attachment is None:  # pragma: no cover - the service just wrote it
        raise Http404
    response["Location"] = f"/api/v1/attachments/{attachment.pk}"
    return _attachment_dict(attachment)


@router.get(
    "/attachments/{id}",
    tags=["interactions"],
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_attachment(request: HttpRequest, id: Id) -> FileResponse:
    """Served only to users who can see the interaction's customer; never inline."""
    user: Any = request.auth  # type: ignore[attr-defined]
    attachment = Attachment.objects.filter(
        pk=id, interaction__in=Interaction.objects.visible_to(user).values("pk")
    ).first()
    if attachment is None:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    # A stored HTML or SVG file must never run as a page of this site.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- tasks ---------------------------------------------------------------------------------


class TaskPatch(StrictSchema):
    """Fields to change; omitted fields stay. null clears due_date and customer."""

    title: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=10000)
    due_date: dt.date | None = None
    priority: choice(Task.Priority.values) | None = None  # type: ignore[valid-type]
    assignee: Id | None = Field(None, description="User id; yourself when omitted on create")
    customer: Id | None = None


class TaskIn(TaskPatch):
    title: str = Field(max_length=200)


def _task_data(payload: TaskPatch) -> services.TaskData:
    sent = payload.model_fields_set
    _not_null(payload, {"title", "priority"})
    if "assignee" in sent and payload.assignee is None:
        raise ValidationFailed(errors={"assignee": [_("A task needs someone to do it.")]})
    data = services.TaskData()
    for name in ("title", "priority", "due_date"):
        if name in sent:
            setattr(data, name, getattr(payload, name))
    if "notes" in sent:
        data.notes = payload.notes or ""
    if "due_date" in sent and payload.due_date is None:
        data.cleared.add("due_date")
    if "assignee" in sent:
        data.assignee_id = payload.assignee
    if "customer" in sent:
        if payload.customer is None:
            data.cleared.add("customer")
        data.customer_id = payload.customer
    return data


class TaskOut(Schema):
    id: int
    version: int
    title: str
    notes: str
    due_date: dt.date | None
    priority: str
    assignee: Ref | None
    customer: Ref | None
    created_by: Ref | None
    done_at: dt.datetime | None
    is_done: bool
    is_overdue: bool
    created_at: dt.datetime
    updated_at: dt.datetime


TaskPage = page_schema(TaskOut, "TaskPage")


def _task_dicts(user: Any, rows: list[Task]) -> list[dict[str, Any]]:
    shown = _visible_customer_ids(user, {t.customer_id for t in rows if t.customer_id})
    return [
        {
            "id": t.pk,
            "version": t.version,
            "title": t.title,
            "notes": t.notes,
            "due_date": t.due_date,
            "priority": t.priority,
            "assignee": ref(t.assignee),
            "customer": ref(t.customer) if t.customer_id in shown else None,
            "created_by": ref(t.created_by),
            "done_at": t.done_at,
            "is_done": t.is_done,
            "is_overdue": t.is_overdue,
            "created_at": t.created_at,
            "updated_at": t.updated_at,
        }
        for t in rows
    ]


def _tasks(user: Any) -> Any:
    """Tasks the user sees on the pages too: assignee in read scope, or created by them."""
    return visible_tasks(user).select_related("assignee", "customer", "created_by")


def _task_detail(user: Any, pk: int, response: HttpResponse) -> dict[str, Any]:
    task = _tasks(user).filter(pk=pk).first()
    if task is None:
        raise Http404
    set_etag(response, task)
    return _task_dicts(user, [task])[0]


def _load_task(user: Any, pk: int) -> Task:
    task = _tasks(user).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


@router.get("/tasks", response=TaskPage, tags=["tasks"], summary="List tasks")
def list_tasks(
    request: HttpRequest,
    assignee: Annotated[
        str | None, Query(pattern=r"^(me|[0-9]{1,18})$", description="me or a user id")
    ] = None,
    customer: Id | None = None,
    status: choice(["open", "done", "all"]) = "open",  # type: ignore[valid-type]
    cursor: Cursor | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Tasks you can see, newest first."""
    user: Any = request.auth  # type: ignore[attr-defined]
    qs = _tasks(user)
    if assignee == "me":
        qs = qs.filter(assignee_id=user.pk)
    elif assignee:
        qs = qs.filter(assignee_id=int(assignee))
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if status == "open":
        qs = qs.filter(done_at__isnull=True)
    elif status == "done":
        qs = qs.filter(done_at__isnull=False)
    page = keyset_page(qs, order=["-id"], cursor=cursor, size=limit)
    return page_body(page, _task_dicts(user, page.items))


@router.post("/tasks", response={201: TaskOut}, tags=["tasks"], summary="Create a task")
@idempotent
def create_task(request: HttpRequest, payload: TaskIn, response: HttpResponse) -> dict[str, Any]:
    user: Any = request.auth  # type: ignore[attr-defined]
    task = services.create_task(actor=user, data=_task_data(payload))
    response["Location"] = f"{request.path.rstrip('/')}/{task.pk}"
    return _task_detail(user, task.pk, response)


@router.get("/tasks/{id}", response=TaskOut, tags=["tasks"], summary="Read a task")
def get_task(request: HttpRequest, id: Id, response: HttpResponse) -> dict[str, Any]:
    return _task_detail(request.auth, id, response)  # type: ignore[attr-defined]


@router.patch(
    "/tasks/{id}",
    response=TaskOut,
    tags=["tasks"],
    summary="Edit a task",
    openapi_extra=IF_MATCH_DOC,
)
def patch_task(
    request: HttpRequest, id: Id, payload: TaskPatch, response: HttpResponse
) -> dict[str, Any]:
    user: Any = request.auth  # type: ignore[attr-defined]
    task = _load_task(user, id)
    version = expected_version(request)
    services.update_task(actor=user, task=task, data=_task_data(payload), expected_version=version)
    return _task_detail(user, id, response)


@router.delete(
    "/tasks/{id}",
    response={204: None},
    tags=["tasks"],
    summary="Delete a task",
    openapi_extra=IF_MATCH_DOC,
)
def delete_task(request: HttpRequest, id: Id) -> None:
    user: Any = request.auth  # type: ignore[attr-defined]
    task = _load_task(user, id)
    services.delete_task(actor=user, task=task, expected_version=expected_version(request))


def _set_done(request: HttpRequest, id: int, response: HttpResponse, done: bool) -> dict[str, Any]:
    user: Any = request.auth  # type: ignore[attr-defined]
    task = _load_task(user, id)
    version = expected_version(request)
    services.set_task_done(actor=user, task=task, done=done, expected_version=version)
    return _task_detail(user, id, response)


@router.post(
    "/tasks/{id}/done",
    response=TaskOut,
    tags=["tasks"],
    summary="Mark a task done",
    openapi_extra=IF_MATCH_DOC,
)
@idempotent
def task_done(request: HttpRequest, id: Id, response: HttpResponse) -> dict[str, Any]:
    return _set_done(request, id, response, True)


@router.post(
    "/tasks/{id}/reopen",
    response=TaskOut,
    tags=["tasks"],
    summary="Open a done task again",
    openapi_extra=IF_MATCH_DOC,
)
@idempotent
def task_reopen(request: HttpRequest, id: Id, response: HttpResponse) -> dict[str, Any]:
    return _set_done(request, id, response, False)
