"""Request and response shapes of the timeline API, and the helpers that turn a
validated payload into the service's data objects."""

import datetime as dt
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BeforeValidator, Field

from vinculo.core.api.schemas import (
    Id,
    IsoDate,
    IsoDateTime,
    Ref,
    StrictSchema,
    aware,
    choice,
    omittable,
    page_schema,
    whole,
)
from vinculo.core.errors import ValidationFailed, field_message
from vinculo.core.links import linkable_labels
from vinculo.core.permissions import restrict
from vinculo.customers.models import Customer
from vinculo.timeline import services
from vinculo.timeline.models import Channel, Interaction, Task

ChannelChoice = choice(Channel.values)
DirectionChoice = choice(Interaction.Direction.values)
PEOPLE_MAX = 50


def _visible_customer_ids(user: Any, ids: set[int]) -> set[int]:
    """Which of these customers `user` may see (one query), so names never leak."""
    if not ids:
        return set()
    visible = restrict(Customer.objects.all(), user, "view")
    return set(visible.filter(pk__in=ids).values_list("pk", flat=True))


def _not_null(payload: Any, names: set[str]) -> None:
    errors = {
        n: [_("This field cannot be null.")]
        for n in names
        if n in payload.model_fields_set and getattr(payload, n) is None
    }
    if errors:
        raise ValidationFailed(errors=errors)


def _text_id(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class LinkIn(StrictSchema):
    model: str = Field(max_length=100, description='"app_label.model", e.g. "customers.customer"')
    id: Annotated[str, BeforeValidator(_text_id), Field(min_length=1, max_length=64)]


class InteractionPatch(StrictSchema):
    """Fields to change; omitted fields stay as they are."""

    channel: ChannelChoice | None = omittable()  # type: ignore[valid-type]
    direction: DirectionChoice | None = omittable()  # type: ignore[valid-type]
    occurred_at: IsoDateTime | None = omittable(description="Without offset: your time zone")
    subject: str | None = Field(None, max_length=services.SUBJECT_MAX)
    body: str | None = Field(None, max_length=services.BODY_MAX)
    duration_seconds: whole(ge=0, le=services.MAX_DURATION) | None = None  # type: ignore[valid-type]
    outcome: choice(Interaction.Outcome.values, blank=True) | None = None  # type: ignore[valid-type]
    users: list[Id] | None = Field(None, max_length=PEOPLE_MAX, description="Staff user ids")
    other_customers: list[Id] | None = Field(None, max_length=PEOPLE_MAX)


class InteractionIn(InteractionPatch):
    customer: Id
    channel: ChannelChoice  # type: ignore[valid-type]
    source: str | None = Field(
        None,
        max_length=services.SOURCE_MAX,
        description=(
            'The system the external id belongs to, e.g. "imap:sales@example.com"; '
            f'"{services.DEFAULT_SOURCE}" when an external_id comes without one'
        ),
    )
    external_id: str | None = Field(
        None,
        max_length=services.EXTERNAL_ID_MAX,
        description="Id in the source system; a repeat from the same source is not logged twice",
    )
    links: list[LinkIn] | None = Field(
        None,
        max_length=20,
        description="Records you can see, of the types " + ", ".join(linkable_labels()),
    )


def _interaction_data(payload: InteractionPatch) -> services.InteractionData:
    _not_null(payload, {"channel", "direction", "occurred_at"})
    sent = payload.model_fields_set
    data = services.InteractionData()
    for name in ("channel", "direction", "subject", "body", "outcome", "source", "external_id"):
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
        # Checked by the service: a linkable type, a record the caller can see.
        data.links = [(link.model, link.id) for link in links]
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
    source: str
    external_id: str
    links: list[LinkOut]
    attachments: list[AttachmentOut]
    created_at: dt.datetime
    updated_at: dt.datetime


InteractionPage = page_schema(InteractionOut, "InteractionPage")


class TaskPatch(StrictSchema):
    """Fields to change; omitted fields stay. null clears due_date and customer."""

    title: str | None = omittable(max_length=200)
    notes: str | None = Field(None, max_length=10000)
    due_date: IsoDate | None = None
    priority: choice(Task.Priority.values) | None = omittable()  # type: ignore[valid-type]
    assignee: Id | None = omittable(description="User id; yourself when omitted on create")
    customer: Id | None = None


class TaskIn(TaskPatch):
    title: str = Field(max_length=200)


def _task_data(payload: TaskPatch) -> services.TaskData:
    sent = payload.model_fields_set
    _not_null(payload, {"title", "priority"})
    if "assignee" in sent and payload.assignee is None:
        raise ValidationFailed(
            errors={"assignee": [field_message(_("A task needs someone to do it."), "required")]}
        )
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
