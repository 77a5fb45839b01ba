"""One RFC 9457 problem+json shape for every API error, with stable codes and field errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError, HttpError, ValidationError

from vinculo.core import dates
from vinculo.core.errors import DomainError, ValidationFailed, message_code

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("vinculo.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://vinculo.dev/problems/"
WWW_AUTHENTICATE = 'Bearer realm="vinculo"'

# Short, translated titles of the codes not raised as DomainError (whose title is its own).
TITLES: dict[str, Any] = {
    "bad_request": gettext_lazy("The request is not valid."),
    "malformed_json": gettext_lazy("The request body is not a valid JSON object."),
    "not_authenticated": gettext_lazy("Authentication is required."),
    "token_read_only": gettext_lazy("This API token may only read."),
    "csrf_failed": gettext_lazy("The CSRF check failed."),
    "permission_denied": gettext_lazy("You do not have permission to do this."),
    "not_found": gettext_lazy("Not found."),
    "method_not_allowed": gettext_lazy("This method is not allowed here."),
    "conflict": gettext_lazy("The request conflicts with the current state."),
    "precondition_required": gettext_lazy("This request needs an If-Match header."),
    "payload_too_large": gettext_lazy("The request is too large."),
    "file_too_large": gettext_lazy("The file is too large."),
    "invalid_idempotency_key": gettext_lazy("The Idempotency-Key header is not valid."),
    "idempotency_key_reused": gettext_lazy(
        "This Idempotency-Key was already used for a different request."
    ),
    "idempotency_in_progress": gettext_lazy(
        "A request with this Idempotency-Key is still being processed."
    ),
    "throttled": gettext_lazy("Too many requests."),
    "unsupported_media_type": gettext_lazy("The request body has an unsupported media type."),
    "validation_error": gettext_lazy("Some fields are invalid."),
    "server_error": gettext_lazy("Something went wrong on our side."),
}

_CODE_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    428: "precondition_required",
    429: "throttled",
}


class ApiProblem(Exception):
    """An error answered as-is: status, stable code, optional detail, field errors, headers."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        super().__init__(detail or code)


class MalformedBody(ValueError):
    """The body is not JSON; raised by the parser so the handler can tell it from other 400s."""


def problem(
    status: int,
    code: str,
    *,
    title: str | None = None,
    detail: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """The problem+json response; `type` is a stable URL per code (see docs/api.md)."""
    title = str(title or TITLES.get(code) or code)
    body = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": str(detail or title),
        "code": code,
        "errors": errors or [],
    }
    content = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    response = HttpResponse(content, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_errors(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """A service's {field: [messages]} as the problem's list of {field, message, code}."""
    return [
        {"field": name, "message": str(message), "code": message_code(message)}
        for name, messages in errors.items()
        for message in messages
    ]


# --- pydantic errors → field path, translated message, stable code ---------------------


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def translate_error(err: Mapping[str, Any]) -> tuple[str, str]:
    """(code, message in the active language) for one pydantic error."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "required", _("This field is required.")
    if kind == "extra_forbidden":
        return "unknown_field", _("Unknown field.")
    if kind == "string_too_long":
        return "too_long", _("At most %(n)d characters.") % {"n": ctx.get("max_length", 0)}
    if kind == "too_long":
        return "too_long", _("At most %(n)d entries.") % {"n": ctx.get("max_length", 0)}
    if kind == "string_too_short":
        if ctx.get("min_length", 1) <= 1:
            return "required", _("This field is required.")
        return "too_short", _("At least %(n)d characters.") % {"n": ctx["min_length"]}
    if kind in {"literal_error", "enum"}:
        message = _("“%(v)s” is not one of the available choices.") % {
            "v": _shown(err.get("input"))
        }
        return "invalid_choice", message
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return "out_of_range", _(
            "Ensure this value is greater than or equal to %(limit_value)s."
        ) % {"limit_value": limit}
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return "out_of_range", _("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": limit
        }
    if kind.startswith("int_"):
        return "invalid_type", _("Enter a whole number.")
    if kind.startswith(("float_", "decimal_")):
        return "invalid_type", _("Enter a number.")
    if kind.startswith("bool_"):
        return "invalid_type", _("Enter true or false.")
    if kind == "year_out_of_range":
        return dates.CODE, dates.year_range_message()
    if kind.startswith(("datetime_", "timezone_")):
        return "invalid_type", _("Enter a valid date/time.")
    if kind.startswith("date_"):
        return "invalid_type", _("Enter a valid date.")
    if kind == "string_pattern_mismatch":
        return "invalid", _("Enter a valid value.")
    if kind.startswith("string_"):
        return "invalid_type", _("Enter text.")
    if kind in {"list_type", "tuple_type", "set_type", "iterable_type"}:
        return "invalid_type", _("Enter a list.")
    if kind in {"dict_type", "model_type", "model_attributes_type", "mapping_type"}:
        return "invalid_type", _("Enter an object.")
    if kind == "value_error" and ctx.get("error"):
        return "invalid", str(ctx["error"])
    return "invalid", _("Enter a valid value.")


def field_path(loc: tuple[Any, ...]) -> str:
    """("emails", 0, "value") → "emails.0.value"; pydantic's union tags are dropped."""
    parts = [str(p) for p in loc if not (isinstance(p, str) and ("[" in p or "-" in p))]
    return ".".join(parts)


# --- handlers ----------------------------------------------------------------------------


def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[dict[str, str]] = []
    for err in exc.errors:
        if "field" in err and "message" in err:  # already shaped by VinculoAPI
            errors.append({k: err[k] for k in ("field", "message", "code") if k in err})
            continue
        code, message = translate_error(err)
        loc = tuple(err.get("loc", ()))[1:]
        errors.append({"field": field_path(loc), "message": message, "code": code})
    return problem(422, "validation_error", errors=errors)


def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    errors = field_errors(exc.errors) if isinstance(exc, ValidationFailed) else []
    return problem(
        exc.status, exc.code, title=str(exc.title), detail=exc.message or None, errors=errors
    )


def _api_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem(exc.status, exc.code, detail=exc.detail, errors=exc.errors, headers=exc.headers)


def _authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(
        401,
        "not_authenticated",
        detail=_("Send an API token as “Authorization: Bearer <token>”."),
        headers={"WWW-Authenticate": WWW_AUTHENTICATE},
    )


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, ApiProblem):  # raised by the body parser, wrapped by Ninja
        return _api_problem(request, cause)
    if isinstance(cause, MalformedBody):
        return problem(400, "malformed_json", detail=str(cause))
    if isinstance(cause, RequestDataTooBig):
        return problem(413, "payload_too_large")
    if exc.status_code == 403 and "csrf" in str(exc).lower():
        return problem(403, "csrf_failed")
    if exc.status_code == 400 and cause is not None:
        return problem(400, "malformed_json")
    code = _CODE_BY_STATUS.get(exc.status_code, "bad_request" if exc.status_code < 500 else "")
    if not code:
        return _server_error(request, exc)
    headers = {"WWW-Authenticate": WWW_AUTHENTICATE} if exc.status_code == 401 else None
    return problem(exc.status_code, code, headers=headers)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(404, "not_found")


def _permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(403, "permission_denied")


def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(413, "payload_too_large")


def _suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(400, "bad_request")


def _bad_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Django raises this on first access to POST/FILES (a form-data body without a
    boundary, or a broken one): the client's mistake, not ours."""
    return problem(400, "bad_request", detail=_("The multipart/form-data body is malformed."))


def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception(
        "API error on %s %s", request.method, request.path, exc_info=exc, extra={"request": request}
    )
    return problem(500, "server_error", detail=_("The error was logged. Please try again later."))


_HANDLERS: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
    (ValidationError, _validation),
    (DomainError, _domain),
    (ApiProblem, _api_problem),
    (AuthenticationError, _authentication),
    (HttpError, _http_error),
    (Http404, _not_found),
    (ObjectDoesNotExist, _not_found),
    (PermissionDenied, _permission_denied),
    (RequestDataTooBig, _too_big),
    (SuspiciousOperation, _suspicious),
    (MultiPartParserError, _bad_multipart),
    (Exception, _server_error),  # last resort: logged, never shown
]


def register_handlers(api: NinjaAPI) -> None:
    """Replace Ninja's default error bodies with problem+json for every exception."""
    for exc_class, handler in _HANDLERS:
        api.add_exception_handler(exc_class, handler)
