"""Idempotency-Key for POST: a retried request gets the first answer instead of a duplicate.

The key is reserved by inserting (user, key) first, in its own transaction, so the unique
constraint decides which of two racing requests runs and a second one meanwhile gets 409.
The request then runs inside one transaction that also stores its successful answer: the
write and the answer commit together or not at all. A web worker killed in between leaves
a reservation without an answer and without a write, so the retry that takes the
reservation over (after ABANDONED_AFTER) creates the record once. A takeover gives the
reservation a new token, and an answer is stored only under the token it was reserved
with: a first request that was merely slow, not dead, finds its reservation taken and
undoes its write instead of committing a duplicate.

Answers are kept for settings.IDEMPOTENCY_TTL_SECONDS (core.jobs prunes older rows). A
failed request is rolled back and its reservation released, so the client may fix the
request and retry with the same key.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import logging
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.transaction import Atomic
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.decorators import decorate_view
from ninja.operation import Operation
from ninja.utils import contribute_operation_callback

from vinculo.core.api.problems import ApiProblem, problem
from vinculo.core.models import IdempotencyRecord

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEY_MAX = 200
# A reservation without a stored answer this old belongs to a request that died: reclaim it.
ABANDONED_AFTER = dt.timedelta(minutes=5)
REPLAYED_HEADERS = ("Content-Type", "ETag", "Location", "Content-Language")

HEADER_DOC: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "description": (
                "Any unique string (≤ 200 characters). Retrying with the same key and body "
                "returns the first answer (header Idempotent-Replayed: true) for 24 h."
            ),
            # Blank keys are refused (400 invalid_idempotency_key), like longer ones.
            "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX, "pattern": r"\S"},
        }
    ]
}


def request_hash(request: HttpRequest) -> str:
    """sha256 of method, path with query, If-Match and body. Multipart bodies are hashed by
    their fields and file contents, since their boundary changes on every retry. If-Match
    is part of what was asked: a "done" under another version (or none) is another request,
    not a retry, and must not be answered with the first one's success."""
    digest = hashlib.sha256()
    if_match = request.headers.get("If-Match", "")
    digest.update(f"{request.method}\n{request.get_full_path()}\n{if_match}\n".encode())
    if request.content_type == "multipart/form-data":
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"f:{name}={value}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"u:{name}={upload.name}:{upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _key(request: HttpRequest) -> str | None:
    if HEADER not in request.headers:
        return None
    key = request.headers[HEADER].strip()
    if not key or len(key) > KEY_MAX:
        raise ApiProblem(
            400,
            "invalid_idempotency_key",
            _("Idempotency-Key must have 1 to %(n)d characters.") % {"n": KEY_MAX},
        )
    return key


def _replay(record: IdempotencyRecord) -> HttpResponse:
    headers = dict(record.response_headers or {})
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.status_code or 200,
        content_type=headers.pop("Content-Type", "application/json; charset=utf-8"),
    )
    for name, value in headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _token() -> str:
    return uuid.uuid4().hex


def _in_progress() -> ApiProblem:
    return ApiProblem(
        409,
        "idempotency_in_progress",
        _("Wait for the first request with this key to finish, then retry."),
        headers={"Retry-After": "1"},
    )


def reserve(user: Any, key: str, digest: str) -> IdempotencyRecord | HttpResponse:
    """The new reservation to run the request under, or the stored response to replay.
    Raises ApiProblem for a reused key (422) or a request still running (409)."""
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    user=user, key=key, request_hash=digest, token=_token()
                )
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is None:
            continue  # released in between: try the insert again
        if existing.created_at < now - dt.timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS):
            # Expired: remove it (only if nobody renewed it meanwhile) and insert again.
            IdempotencyRecord.objects.filter(
                pk=existing.pk, created_at=existing.created_at
            ).delete()
            continue
        if existing.request_hash != digest:
            raise ApiProblem(
                422,
                "idempotency_key_reused",
                _("Use a new Idempotency-Key for a different request."),
            )
        if existing.status_code is not None:
            return _replay(existing)
        if existing.created_at < now - ABANDONED_AFTER:
            # The first request died without answering, and a request's write commits
            # only with its answer: nothing was written. Take the reservation over under a
            # new token, so the first one could never store its answer (or its write) now.
            token = _token()
            claimed = IdempotencyRecord.objects.filter(
                pk=existing.pk, status_code__isnull=True, token=existing.token
            ).update(created_at=now, token=token)
            if claimed:
                existing.created_at, existing.token = now, token
                return existing
            continue
        raise _in_progress()
    raise _in_progress()


def store(record: IdempotencyRecord, response: HttpResponse) -> bool:
    """Keep a successful answer for replay, inside the request's own transaction. False
    when the reservation was taken over meanwhile: the caller must then undo its write."""
    headers = {h: response[h] for h in REPLAYED_HEADERS if h in response}
    return bool(
        IdempotencyRecord.objects.filter(
            pk=record.pk, token=record.token, status_code__isnull=True
        ).update(
            status_code=response.status_code,
            response_body=response.content,
            response_headers=headers,
        )
    )


def release(record: IdempotencyRecord) -> None:
    """Free the key of a request that failed (and changed nothing), if it still holds it."""
    IdempotencyRecord.objects.filter(
        pk=record.pk, token=record.token, status_code__isnull=True
    ).delete()


@dataclass
class _Running:
    """A request running under a reservation, inside the transaction its answer joins."""

    record: IdempotencyRecord
    block: Atomic


def _lost(record: IdempotencyRecord) -> HttpResponse:
    """The answer of a request whose reservation was taken over: what the request that
    took it answered, or 409 while that one still runs."""
    current = IdempotencyRecord.objects.filter(pk=record.pk).first()
    if current is not None and current.status_code is not None:
        return _replay(current)
    return problem(
        409,
        "idempotency_in_progress",
        detail=_("Wait for the first request with this key to finish, then retry."),
        headers={"Retry-After": "1"},
    )


def _finish(running: _Running, response: HttpResponseBase) -> HttpResponseBase:
    """Commit the request's writes with its stored answer, or roll back and free the key."""
    record, block = running.record, running.block
    succeeded = 200 <= response.status_code < 300 and isinstance(response, HttpResponse)
    try:
        stored = succeeded and store(record, response)  # type: ignore[arg-type]
        if not stored:
            transaction.set_rollback(True)
    except BaseException:
        block.__exit__(*sys.exc_info())
        release(record)
        raise
    try:
        block.__exit__(None, None, None)
    except DatabaseError:
        # The commit itself failed: nothing of the request happened.
        logger.exception("Commit of an idempotent request failed")
        release(record)
        return problem(500, "server_error")
    if stored:
        return response
    if succeeded:
        return _lost(record)  # taken over: our write was undone
    release(record)
    return response


_ATTR = "_vinculo_idempotency"


def _wrap_view(operation: Operation) -> None:
    """Inside the operation (after auth and input validation): reserve or replay, then
    open the transaction the view's writes and the stored answer share."""
    view = operation.view_func

    @functools.wraps(view)
    def guarded(request: HttpRequest, **values: Any) -> Any:
        key = _key(request)
        if key is None:
            return view(request, **values)
        outcome = reserve(request.auth, key, request_hash(request))  # type: ignore[attr-defined]
        if isinstance(outcome, HttpResponse):
            return outcome
        block = transaction.atomic()
        try:
            block.__enter__()  # left by _store_after, once the final response exists
        except BaseException:
            release(outcome)  # e.g. SQLite busy: nothing ran, free the key
            raise
        setattr(request, _ATTR, _Running(outcome, block))
        return view(request, **values)

    operation.view_func = guarded
    extra = copy.deepcopy(operation.openapi_extra or {})  # never mutate a shared dict
    extra.setdefault("parameters", []).extend(copy.deepcopy(HEADER_DOC["parameters"]))
    operation.openapi_extra = extra


def _store_after(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Around the operation: once the final response exists (errors included), commit it
    with the request's writes, or roll both back."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            running = request.__dict__.pop(_ATTR, None)
            if running is not None:
                running.block.__exit__(*sys.exc_info())
                release(running.record)
            raise
        running = request.__dict__.pop(_ATTR, None)
        if running is None:
            return response
        return _finish(running, response)

    return wrapper


def idempotent(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a POST operation as honouring Idempotency-Key (put it under @router.post)."""
    contribute_operation_callback(func, _wrap_view)
    return decorate_view(_store_after)(func)
