"""Interactions over the JSON API: list, log, read, edit, delete."""

from typing import Annotated, Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from vinculo.accounts.requests import ApiRequest
from vinculo.core.api.concurrency import IF_MATCH_DOC, expected_version, set_etag
from vinculo.core.api.idempotency import idempotent
from vinculo.core.api.schemas import (
    DEFAULT_LIMIT,
    Cursor,
    Id,
    IsoDateTime,
    Limit,
    aware,
    page_body,
    ref,
)
from vinculo.core.errors import ValidationFailed, field_message
from vinculo.core.pagination import keyset_page
from vinculo.core.permissions import restrict
from vinculo.customers.models import Customer
from vinculo.timeline import services
from vinculo.timeline.api.schemas import (
    ChannelChoice,
    DirectionChoice,
    InteractionIn,
    InteractionOut,
    InteractionPage,
    InteractionPatch,
    _interaction_data,
    _visible_customer_ids,
)
from vinculo.timeline.models import Attachment, Interaction

router = Router()


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
            "source": i.source,
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
        restrict(Interaction.objects.all(), user, "view")
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
    request: ApiRequest,
    customer: Id | None = None,
    channel: ChannelChoice | None = None,  # type: ignore[valid-type]
    direction: DirectionChoice | None = None,  # type: ignore[valid-type]
    since: Annotated[IsoDateTime | None, Query(description="occurred_at ≥ since")] = None,
    until: Annotated[IsoDateTime | None, Query(description="occurred_at < until")] = None,
    cursor: Cursor | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Newest first (by occurred_at, then id), only customers you can see."""
    user = request.auth
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
    openapi_extra={
        "responses": {
            409: {
                "description": (
                    "external_id_conflict: the source and external_id name another interaction."
                )
            }
        }
    },
)
@idempotent
def create_interaction(request: ApiRequest, payload: InteractionIn, response: HttpResponse) -> Any:
    """201 with the new interaction; 200 with the first one when the same `source` and
    `external_id` were already logged for this customer and channel (webhooks may deliver
    twice); 409 `external_id_conflict` when they name another interaction."""
    user = request.auth
    customer = restrict(Customer.objects.all(), user, "view").filter(pk=payload.customer).first()
    if customer is None:
        raise ValidationFailed(
            errors={"customer": [field_message(_("Choose a customer you can see."), "not_visible")]}
        )
    data = _interaction_data(payload)
    interaction, created = services.record_interaction(actor=user, customer=customer, data=data)
    if created:
        response["Location"] = f"{request.path.rstrip('/')}/{interaction.pk}"
    return Status(201 if created else 200, _interaction_detail(user, interaction.pk, response))


@router.get(
    "/interactions/{id}",
    response=InteractionOut,
    tags=["interactions"],
    summary="Read an interaction",
)
def get_interaction(request: ApiRequest, id: Id, response: HttpResponse) -> dict[str, Any]:
    return _interaction_detail(request.auth, id, response)


@router.patch(
    "/interactions/{id}",
    response=InteractionOut,
    tags=["interactions"],
    summary="Edit an interaction",
    openapi_extra=IF_MATCH_DOC,
)
def patch_interaction(
    request: ApiRequest, id: Id, payload: InteractionPatch, response: HttpResponse
) -> dict[str, Any]:
    user = request.auth
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
def delete_interaction(request: ApiRequest, id: Id) -> None:
    user = request.auth
    interaction = _load_interaction(user, id)
    version = expected_version(request)
    services.delete_interaction(actor=user, interaction=interaction, expected_version=version)
