"""Helpers every page view uses: htmx-aware rendering, visible-object lookup, error mapping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from vinculo.core.errors import DomainError, ValidationFailed
from vinculo.core.models import one_or_none
from vinculo.core.permissions import restrict

M = TypeVar("M", bound=models.Model)


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The fragment `partial` for htmx requests (not boosted ones), else the whole page.

    A history-restore request (Back after htmx pushed the URL) needs the whole page, and
    caches must keep the two answers of one URL apart (Vary: HX-Request)."""
    htmx = getattr(request, "htmx", None)
    restore = bool(htmx and htmx.history_restore_request)
    name = partial if partial and htmx and not htmx.boosted and not restore else template
    response = render(request, name, context or {}, status=status)
    if partial:
        patch_vary_headers(response, ("HX-Request",))
    return response


def get_visible(model: type[M], user: Any, pk: Any) -> M:
    """The record if `user` may read it, else 404 — never 403, so ids of others' records
    do not even reveal that they exist."""
    obj = one_or_none(restrict(model._default_manager.all(), user, "view").filter(pk=pk))
    if obj is None:
        raise Http404
    return obj


def add_domain_errors(form: Any, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    """Show a service's field errors on a Django form (unknown fields go to the top)."""
    field_map = field_map or {}
    if not exc.errors:
        form.add_error(None, exc.message)
        return
    for name, messages in exc.errors.items():
        wanted = field_map.get(name, name.split(".")[0])
        target = wanted if wanted in form.fields else None
        for message in messages:
            form.add_error(target, message)


class _DryRun(Exception):
    """Raised to roll back a service call made only to learn its errors."""


def service_refusal(call: Callable[[], object]) -> ValidationFailed | None:
    """The ValidationFailed a service raises for some input, keeping nothing it writes.

    A page whose own field checks failed has not called its service yet, so the service's
    own rules (a taken username, a weak password, an empty note) would only show after the
    first errors are fixed: one round at a time. Calling the service inside a transaction
    that is always rolled back shows every problem at once. Never pass uploaded files (the
    storage is not rolled back), and give it a copy of a record it would change."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except ValidationFailed as exc:
        return exc
    except (_DryRun, DomainError):
        return None


def service_errors(call: Callable[[], object]) -> dict[str, list[str]]:
    """The field errors of `service_refusal(call)` ({} when the service took the input)."""
    refusal = service_refusal(call)
    return refusal.errors if refusal is not None else {}


def add_errors_besides(
    form: Any, errors: dict[str, list[str]], field_map: dict[str, str] | None = None
) -> None:
    """Add service errors to a form Django already refused, only on fields that have no
    error of their own (so nothing is said twice); others go to the top."""
    field_map = field_map or {}
    for name, messages in errors.items():
        wanted = field_map.get(name, name.split(".")[0])
        target = wanted if wanted in form.fields else None
        if target is not None and target in form.errors:
            continue
        for message in messages:
            form.add_error(target, message)


_PLACEHOLDER = 987654321987


def pk_url(viewname: str) -> Callable[[int], str]:
    """A function giving `viewname`'s URL for a primary key, for pages that link many rows.

    `reverse()` costs tens of microseconds a call; this reverses once with a placeholder
    id and fills in each row's id, which gives the same URL as reverse(viewname, args=[pk])
    for a view whose only argument is an integer id."""
    template = reverse(viewname, args=[_PLACEHOLDER])
    head, sep, tail = template.partition(str(_PLACEHOLDER))
    if not sep:
        raise ValueError(f"{viewname} does not take an integer id")
    return lambda pk: f"{head}{int(pk)}{tail}"
