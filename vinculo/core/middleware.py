"""Request guards every page gets: NUL characters refused, a Content-Security-Policy sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.datastructures import MultiValueDict

NUL = "\x00"
API_PREFIX = "/api/"


def _holds_nul(data: MultiValueDict[str, Any]) -> bool:
    """NUL in any name or value (an uploaded file's name counts as its value)."""
    return any(
        NUL in key or any(NUL in str(getattr(value, "name", value)) for value in values)
        for key, values in data.lists()
    )


def request_holds_nul(request: HttpRequest) -> bool:
    """U+0000 in the path, a query parameter or a form field (names and values, file names)."""
    if NUL in request.path_info or _holds_nul(request.GET):
        return True
    return request.method == "POST" and (_holds_nul(request.POST) or _holds_nul(request.FILES))


class NulGuardMiddleware:
    """A page whose address or form holds U+0000 answers 400 with a readable page.

    U+0000 is valid in URLs and forms but PostgreSQL cannot store or compare it: psycopg
    raises and the answer would be a 500 (`/customers/?tag=x%00`). Nobody types it, so the
    request is refused here, once, for every page, before any view or the session touches the
    database. A cookie holding it is dropped (a forged session cookie reads as no session).
    The API refuses NUL itself with a 422 problem per field (core.api.site) and is left alone.
    Place it before SessionMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(NUL in k or NUL in v for k, v in request.COOKIES.items()):
            request.COOKIES = {
                k: v for k, v in request.COOKIES.items() if NUL not in k and NUL not in v
            }
        if not request.path_info.startswith(API_PREFIX) and request_holds_nul(request):
            return bad_request_page(request)
        return self.get_response(request)


def bad_request_page(request: HttpRequest) -> HttpResponse:
    """The 400 page, in the visitor's language (the user's own is not known yet here)."""
    with translation.override(translation.get_language_from_request(request)):
        response = render(request, "400.html", {"nul_character": True}, status=400)
        response.headers.setdefault("Content-Language", translation.get_language())
    return response


class ContentSecurityPolicyMiddleware:
    """Sends `settings.CONTENT_SECURITY_POLICY` on every response that has no policy of its
    own (attachment downloads set a stricter sandbox and keep it).

    A few lines instead of django-csp: one fixed policy with no inline scripts needs no
    nonces, per-view decorators or report endpoints. When `DEBUG` is on, Django's own
    debug pages (inline scripts and styles) are left without a policy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            if not (settings.DEBUG and response.status_code >= 400):
                response["Content-Security-Policy"] = self.policy
        return response
