"""Suggestions for the customer list's tag filter (a <datalist> refreshed by htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vinculo.customers.queries import suggest_tags


@login_required
@require_GET
def tag_suggestions(request: HttpRequest) -> HttpResponse:
    """<option>s of existing tags matching what is typed, in any case and accent."""
    text = (request.GET.get("tag") or "")[:60]
    return render(request, "customers/_tag_options.html", {"names": suggest_tags(text)})
