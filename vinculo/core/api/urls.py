"""URLs of the API (included at "api/v1/" by vinculo.urls): Ninja's routes, with Django's
own 404 and 405 answers turned into problem+json too."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.urls import URLPattern, re_path
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt

from vinculo.core.api.problems import problem
from vinculo.core.api.site import api


def _as_problems(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap one of Ninja's URL views: 404/405 raised outside an operation become problems,
    and every answer varies by Authorization (shared caches must not mix callers)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = problem(404, "not_found")
        if isinstance(response, HttpResponseNotAllowed):
            response = problem(405, "method_not_allowed", headers={"Allow": response["Allow"]})
        patch_vary_headers(response, ("Authorization",))
        return response

    return wrapped


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponseBase:
    return problem(404, "not_found")


_patterns, _app, _namespace = api.urls
for _pattern in _patterns:
    if isinstance(_pattern, URLPattern):
        _pattern.callback = _as_problems(_pattern.callback)

# The namespace Ninja reverses its own URLs (docs → openapi.json) in.
app_name = api.urls_namespace
urlpatterns = [*_patterns, re_path(r"^(?P<rest>.*)$", not_found)]
