from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def vinculo(request: HttpRequest) -> dict[str, Any]:
    return {"LANGUAGES": settings.LANGUAGES, "DEFAULT_CURRENCY": settings.DEFAULT_CURRENCY}
