"""Optimistic concurrency over HTTP: `ETag: "<version>"` out, `If-Match` in.

The version from If-Match is handed to the services as `expected_version`; they do the
conditional UPDATE, so a stale write is refused even when two requests race.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from vinculo.core.api.problems import ApiProblem
from vinculo.core.errors import StaleVersion

_ETAG = re.compile(r'"(\d{1,10})"')

# OpenAPI description of the header, added to the operations that require it.
IF_MATCH_DOC: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": True,
            "description": 'The ETag of the version you edit, e.g. "3" (quotes included).',
            # Blank counts as missing (428); any other value is compared (412 if it differs).
            "schema": {"type": "string", "minLength": 1, "pattern": r"\S"},
        }
    ],
    "responses": {
        412: {"description": "stale_version: the record changed since that version."},
        428: {"description": "precondition_required: If-Match is missing."},
    },
}


def etag(obj: Any) -> str:
    return f'"{obj.version}"'


def set_etag(response: HttpResponse, obj: Any) -> None:
    response["ETag"] = etag(obj)


def expected_version(request: HttpRequest) -> int | None:
    """The version named by If-Match: missing → 428; unreadable → 412 (it cannot match);
    `*` → None (any current version, still checked against the one just loaded)."""
    raw = (request.headers.get("If-Match") or "").strip()
    if not raw:
        raise ApiProblem(
            428,
            "precondition_required",
            _("Send If-Match with the ETag from your last read of this record."),
        )
    if raw == "*":
        return None
    match = _ETAG.fullmatch(raw)
    if match is None:
        raise StaleVersion()
    return int(match.group(1))
