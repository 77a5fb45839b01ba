"""The administrators' page of event deliveries (settings section "outbox", registered in
pages/extensions.py): what waits per consumer, the deliveries a consumer gave up on, and
retrying or discarding them through the same services as `vinculo outbox`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from vinculo.core import extensions, outbox
from vinculo.core.errors import DomainError
from vinculo.core.jobs import MAX_ATTEMPTS
from vinculo.core.web import render_page

SECTION = "outbox"
PAGE_SIZE = 50
STATUSES = (outbox.Status.FAILED, outbox.Status.RETRY)


def operator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Visitors sign in first; a signed-in user the section is not for gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        section = extensions.SETTINGS_SECTIONS.get(SECTION)
        if section is None or not section.allows(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _record_label(aggregate: str, aggregate_id: str) -> str:
    """ "customer #42": the model's own (translated) name when it is still installed."""
    try:
        name = str(apps.get_model(aggregate)._meta.verbose_name)
    except (LookupError, ValueError):
        name = aggregate
    return f"{name} #{aggregate_id}"


@operator_required
@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    """Failed (or, with ?status=retry, failing) deliveries newest first, under a summary per
    consumer."""
    status = request.GET.get("status") or outbox.Status.FAILED
    if status not in STATUSES:
        status = outbox.Status.FAILED
    try:
        page = outbox.failures_page(
            status=status, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("pages:outbox")
    rows = [
        {
            "delivery": d,
            "record": _record_label(d.event.aggregate, d.event.aggregate_id),
            "last_line": (d.last_error.strip().splitlines() or [""])[-1],
        }
        for d in page.items
    ]
    state = outbox.summary(consumers={d.consumer for d in page.items})
    context = {
        "nav": "settings",
        "section": SECTION,
        "state": state,
        "page": page,
        "rows": rows,
        "status": status,
        "failed_view": status == outbox.Status.FAILED,
        "max_attempts": MAX_ATTEMPTS,
    }
    return render_page(request, "pages/settings/outbox.html", context)


def _selection(request: HttpRequest) -> dict[str, Any]:
    """What the buttons name: one row's button, "all failed", or the ticked rows."""
    one = request.POST.get("delivery")
    if one:
        return {"delivery_ids": _ids([one])}
    if request.POST.get("all"):
        return {"everything": True}
    return {"delivery_ids": _ids(request.POST.getlist("ids"))}


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def _back(request: HttpRequest) -> HttpResponse:
    return redirect("pages:outbox")


@operator_required
@require_POST
def retry(request: HttpRequest) -> HttpResponse:
    """Deliver the chosen failed deliveries again on the next dispatch."""
    try:
        done = outbox.retry_failed(actor=request.user, **_selection(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request)
    if done.deliveries:
        messages.success(
            request,
            ngettext(
                "%(count)d delivery will be retried within a minute.",
                "%(count)d deliveries will be retried within a minute.",
                done.deliveries,
            )
            % {"count": done.deliveries},
        )
    else:
        messages.info(request, _("Nothing to retry: those deliveries are no longer failed."))
    return _back(request)


@operator_required
@require_POST
def discard(request: HttpRequest) -> HttpResponse:
    """Drop the chosen failed deliveries: their consumers never get those events."""
    try:
        count = outbox.discard_failed(actor=request.user, **_selection(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d failed delivery was discarded.",
                "%(count)d failed deliveries were discarded.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("Nothing to discard: those deliveries are no longer failed."))
    return _back(request)
