"""Attachments over the JSON API: upload to an interaction, download."""

from typing import Annotated, Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, UploadedFile

from vinculo.accounts.requests import ApiRequest
from vinculo.core.api.concurrency import expected_version
from vinculo.core.api.idempotency import idempotent
from vinculo.core.api.problems import ApiProblem
from vinculo.core.api.schemas import (
    Id,
)
from vinculo.core.permissions import restrict
from vinculo.timeline import services
from vinculo.timeline.api.interactions import _attachment_dict, _load_interaction
from vinculo.timeline.api.schemas import AttachmentOut
from vinculo.timeline.models import Attachment, Interaction

router = Router()


@router.post(
    "/interactions/{id}/attachments",
    response={201: AttachmentOut},
    tags=["interactions"],
    summary="Attach a file",
)
@idempotent
def add_attachment(
    request: ApiRequest, id: Id, response: HttpResponse, file: Annotated[UploadedFile, File()]
) -> dict[str, Any]:
    """multipart/form-data with one `file` (at most ATTACHMENT_MAX_BYTES). If-Match is
    optional here: without it, uploads never conflict with each other or with edits (each
    adds a row); when sent, the interaction must still have that version."""
    user = request.auth
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
    (attachment,) = services.add_attachments(
        actor=user, interaction=interaction, files=[upload], expected_version=version
    )
    response["Location"] = f"/api/v1/attachments/{attachment.pk}"
    return _attachment_dict(attachment)


@router.get(
    "/attachments/{id}",
    tags=["interactions"],
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment, with the type it was uploaded with",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_attachment(request: ApiRequest, id: Id) -> FileResponse:
    """Served only to users who can see the interaction's customer; never inline."""
    user = request.auth
    attachment = Attachment.objects.filter(
        pk=id, interaction__in=restrict(Interaction.objects.all(), user, "view").values("pk")
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
