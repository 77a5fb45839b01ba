"""Typed requests: what mypy may assume of a request once authentication has run."""

from __future__ import annotations

from django.http import HttpRequest

from vinculo.accounts.models import User


class ApiRequest(HttpRequest):
    """An API request that TokenAuth or SessionAuth accepted (Ninja answers 401 before the
    handler runs otherwise): `auth` is the calling, active user. Annotate API handlers'
    `request` with it instead of reading `request.auth` as Any."""

    auth: User
