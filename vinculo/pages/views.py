"""The home page ("Today") and global search. Both render what the apps register in
vinculo.core.extensions (widgets, search groups) and import no app by name."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vinculo.core import extensions
from vinculo.core.errors import NotFound, ValidationFailed
from vinculo.core.web import render_page
from vinculo.pages import queries, services

SEARCH_DROPDOWN = 8
SEARCH_PAGE = 50
SEARCH_MIN_CHARS = 2
HOME_REGIONS = ("main", "side")


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _widget_url(key: str) -> str:
    return reverse("pages:widget", args=[key])


# --- home -----------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Today: the registered widgets the user may see and has not hidden. Lazy widgets
    arrive by a second request, so a slow one never holds the page back."""
    user: Any = request.user
    hidden = queries.dismissed_keys(user)
    regions: dict[str, list[extensions.BoundWidget]] = {region: [] for region in HOME_REGIONS}
    for widget in extensions.widgets_for(user):
        if widget.dismissible and widget.key in hidden:
            continue
        url = _widget_url(widget.key)
        if widget.lazy:
            html = SafeString("")
        else:
            rendered = extensions.render_widget(request, widget)
            if rendered is None:
                continue
            html = rendered
        region = widget.region if widget.region in regions else "main"
        regions[region].append(extensions.BoundWidget(widget=widget, html=html, url=url))
    context = {"nav": "home", "widgets": regions}
    return render_page(request, "pages/home.html", context)


def _visible_widget(request: HttpRequest, key: str) -> extensions.Widget:
    widget = extensions.get_widget(key)
    if widget is None or not widget.allows(request.user):
        raise Http404
    return widget


@login_required
@require_GET
def widget(request: HttpRequest, key: str) -> HttpResponse:
    """One widget: its body for htmx (lazy widgets load so), a page of its own otherwise.
    A widget with nothing to show removes its placeholder."""
    found = _visible_widget(request, key)
    html = extensions.render_widget(request, found)
    if _is_htmx(request):
        if html is None:
            response = HttpResponse("")
            response["HX-Retarget"] = f"#widget-{found.key}"
            response["HX-Reswap"] = "delete"
            return response
        return HttpResponse(html)
    bound = extensions.BoundWidget(widget=found, html=html or SafeString(""), url="")
    return render_page(request, "pages/widget_page.html", {"nav": "home", "bound": bound})


@login_required
@require_POST
def dismiss(request: HttpRequest, key: str) -> HttpResponse:
    """Hide a dismissible widget for good; htmx removes it in place."""
    try:
        services.dismiss_widget(actor=request.user, key=key)
    except NotFound:
        raise Http404 from None
    if _is_htmx(request):
        return HttpResponse("")
    messages.success(request, _("Hidden. It will not come back."))
    return redirect("pages:home")


# --- global search --------------------------------------------------------------------------


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Global search over every registered group (customers today; deals, tickets later):
    a dropdown fragment for the top bar (htmx), a result page otherwise, where a group's
    "More results" link (a cursor, `group=<key>`) walks all its matches in rank order."""
    q = (request.GET.get("q") or "").strip()[:200]
    dropdown = _is_htmx(request)
    too_short = len(q) < SEARCH_MIN_CHARS
    limit = SEARCH_DROPDOWN if dropdown else SEARCH_PAGE
    only = "" if dropdown else (request.GET.get("group") or "")[:60]
    cursor = (request.GET.get("cursor") or None) if only else None
    groups: list[extensions.SearchResults] = []
    errors: dict[str, list[str]] = {}
    if not too_short:
        try:
            groups = extensions.run_search(
                request.user, q, limit, paged=not dropdown, only=only, cursor=cursor
            )
        except ValidationFailed as exc:
            errors = exc.errors
    total = sum(len(g.results) for g in groups)
    context = {
        "nav": "search",
        "q": q,
        "search_query": q,
        "groups": groups,
        "found": total > 0,
        "total": total,
        "truncated": any(len(g.results) >= limit for g in groups),
        "paged": bool(cursor),
        "errors": errors,
        "too_short": too_short,
        "min_chars": SEARCH_MIN_CHARS,
        "limit": limit,
    }
    return render_page(request, "pages/search.html", context, partial="pages/_search_results.html")
