"""The one NinjaAPI instance, mounted at /api/v1 by vinculo.urls (through core.api.urls).

Each installed app may have an `api.py` with a `router`; they are found here the way
Django's admin finds `admin.py`, so the shared kernel never imports a domain app by name.
"""

from __future__ import annotations

import json
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import ValidationError, ValidationErrorContext
from ninja.parser import Parser

from vinculo.core.api.auth import SessionAuth, TokenAuth
from vinculo.core.api.problems import (
    ApiProblem,
    MalformedBody,
    field_path,
    register_handlers,
    translate_error,
)

DESCRIPTION = """The Vínculo CRM API. Authenticate with `Authorization: Bearer <token>`
(create tokens under your profile). Errors are `application/problem+json` (RFC 9457) with a
stable `code`; see docs/api.md for every code, pagination, ETag/If-Match and Idempotency-Key."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _nul_fields(value: Any, path: tuple[Any, ...] = ()) -> list[str]:
    """Paths of the texts (or object keys) holding U+0000, e.g. ["tags.2"]."""
    if isinstance(value, str):
        return [".".join(map(str, path))] if "\x00" in value else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                found.append(".".join(map(str, (*path, key))))
            else:
                found += _nul_fields(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _nul_fields(item, (*path, index))
    return found


def refuse_nul_characters(fields: list[str]) -> None:
    """U+0000 is valid JSON and URL text, but PostgreSQL cannot store or compare it (psycopg
    raises, the answer would be a 500). Refuse it where it comes in, as Django's form fields
    do, with Django's own (translated) message. Like the business rules' errors it has no
    `code`: the description (any string) does not say it, the database does."""
    if fields:
        message = str(ProhibitNullCharactersValidator.message)
        raise ApiProblem(
            422, "validation_error", errors=[{"field": f, "message": message} for f in fields]
        )


JSON_MEDIA_TYPE = "application/json"


def require_json_media_type(request: HttpRequest) -> None:
    """A body is read only when sent as `application/json` in UTF-8 (docs/api.md): other
    media types, or another charset, answer 415 instead of being guessed at."""
    media_type = (request.content_type or "").strip().lower()
    charset = (request.content_params or {}).get("charset", "utf-8").strip().lower()
    if media_type != JSON_MEDIA_TYPE or charset.replace("_", "-") not in {"utf-8", "utf8"}:
        raise ApiProblem(
            415,
            "unsupported_media_type",
            _("Send the body as JSON in UTF-8 with “Content-Type: application/json”."),
            headers={"Accept": JSON_MEDIA_TYPE},
        )


class JsonParser(Parser):
    """Strict JSON bodies: another media type or charset → 415 unsupported_media_type; not
    JSON, not UTF-8, NaN or Infinity → 400 malformed_json; text with U+0000, here or in the
    query string or form fields → 422 on that field."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.body:
            require_json_media_type(request)
        try:
            # Decoded here, strictly: json.loads would also guess UTF-16 and UTF-32 from bytes.
            data = json.loads(request.body.decode("utf-8"), parse_constant=_reject_constant)
        except ValueError as exc:
            if isinstance(exc, json.JSONDecodeError):
                message = _("The body is not valid JSON (line %(line)d, column %(column)d).") % {
                    "line": exc.lineno,
                    "column": exc.colno,
                }
            else:
                message = _("The body is not valid JSON in UTF-8.")
            raise MalformedBody(message) from exc
        refuse_nul_characters(_nul_fields(data))
        return data  # type: ignore[no-any-return]

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        refuse_nul_characters(
            [
                key
                for key in data
                if "\x00" in key
                or any("\x00" in str(getattr(v, "name", v)) for v in data.getlist(key))
            ]
        )
        return super().parse_querydict(data, list_fields, request)  # type: ignore[no-any-return]


class VinculoAPI(NinjaAPI):
    """NinjaAPI whose validation errors carry a field path and a translated message."""

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> ValidationError:
        errors: list[dict[str, Any]] = []
        for context in error_contexts:
            model = context.model
            source = model.__ninja_param_source__
            reverse = getattr(model, "__ninja_flatten_map_reverse__", {})
            single = getattr(model, "__read_from_single_attr__", None)
            for err in context.pydantic_validation_error.errors(include_url=False):
                loc = tuple(reverse.get(err["loc"], err["loc"]))
                if source == "body" and single and loc[:1] == (single,):
                    loc = loc[1:]
                if source == "body" and not loc:
                    # No body, or JSON that is not an object: nothing to point a field at.
                    raise ApiProblem(
                        400, "malformed_json", _("The request body must be a JSON object.")
                    )
                code, message = translate_error(err)
                errors.append({"field": field_path(loc), "message": message, "code": code})
        return ValidationError(errors)

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Ninja's schema, plus the problem+json shape on every operation."""
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = {str(k): v for k, v in operation.get("responses", {}).items()}
                for status, response in list(responses.items()):
                    if status.startswith(("4", "5")):
                        responses[status] = {
                            **_problem_response(response.get("description", "")),
                            **response,
                        }
                if JSON_MEDIA_TYPE in operation.get("requestBody", {}).get("content", {}):
                    responses.setdefault("415", _problem_response("unsupported_media_type"))
                responses.setdefault("401", _problem_response("not_authenticated"))
                responses.setdefault("422", _problem_response("validation_error"))
                responses.setdefault("default", _problem_response("Any other error"))
                operation["responses"] = responses
        return schema


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; `code` is stable (see docs/api.md).",
    "required": ["type", "title", "status", "detail", "code", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "description": 'e.g. "name", "emails.0"'},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def _discover_routers() -> list[Router]:
    """The `router` of every Vínculo app that has an `api` module, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("vinculo.") or not module_has_submodule(config.module, "api"):
            continue
        module = import_module(f"{config.name}.api")
        router = getattr(module, "router", None)
        if isinstance(router, Router):
            found.append(router)
    return found


def build_api() -> VinculoAPI:
    api = VinculoAPI(
        title="Vínculo API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api-v1",
        auth=[TokenAuth(), SessionAuth()],
        parser=JsonParser(),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    register_handlers(api)
    for router in _discover_routers():
        api.add_router("", router)
    return api


api = build_api()
