"""Who is calling: a bearer API token (the normal way) or a signed-in browser session."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from vinculo.core.api.problems import WWW_AUTHENTICATE, ApiProblem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_MAX = 200


def _activate_preferences(request: HttpRequest, user: Any) -> None:
    """The middleware ran before the token was known: apply the user's language and zone now,
    so validation messages and dates follow the token's user like they follow a session."""
    if user.language:
        try:
            language = translation.get_supported_language_variant(user.language)
        except LookupError:
            language = None
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
    if user.time_zone:
        try:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`. A wrong, revoked or inactive user's token is refused
    outright (401) instead of falling back to the session; "read" tokens may only read."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, raw = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # By name, like AUTH_USER_MODEL: the kernel does not import the accounts app.
        api_token = apps.get_model("accounts", "ApiToken")
        found = api_token.authenticate(token) if token and len(token) <= TOKEN_MAX else None
        if found is None:
            raise ApiProblem(
                401,
                "not_authenticated",
                _("The API token is invalid, revoked, or its user is inactive."),
                headers={"WWW-Authenticate": f'{WWW_AUTHENTICATE}, error="invalid_token"'},
            )
        if found.scope == api_token.TokenScope.READ and request.method not in SAFE_METHODS:
            raise ApiProblem(
                403, "token_read_only", _("Use a token with the “read and write” scope.")
            )
        user = found.user
        request.user = user
        request.api_token = found  # type: ignore[attr-defined]
        _activate_preferences(request, user)
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser user (pages calling the API). Unsafe methods need the CSRF
    token, exactly as Django forms do; requests without a session fall through to 401."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        if not request.COOKIES.get(self.param_name):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise ApiProblem(403, "csrf_failed", _("Send the X-CSRFToken header."))
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return self(request)
