"""The settings pages of customers' custom fields (administrators). The settings hub links
here through the section registered in customers/extensions.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vinculo.accounts.settings_views import admin_required
from vinculo.accounts.views import stale_form
from vinculo.core.errors import DomainError, StaleVersion
from vinculo.core.web import add_domain_errors, render_page
from vinculo.customers import field_services
from vinculo.customers.field_forms import (
    CustomFieldCreateForm,
    CustomFieldForm,
    custom_field_initial,
)
from vinculo.customers.models import CustomFieldDefinition

NAV = "settings"


def _page(request: HttpRequest, template: str, context: dict[str, Any], **kw: Any) -> HttpResponse:
    return render_page(request, template, {"nav": NAV, **context}, **kw)


# --- custom fields -----------------------------------------------------------------------


@admin_required
@require_GET
def custom_fields(request: HttpRequest) -> HttpResponse:
    """Custom customer fields in the order forms show them."""
    definitions = list(CustomFieldDefinition.objects.order_by("position", "id"))
    return _page(request, "customers/settings/custom_fields.html", {"definitions": definitions})


def _field_values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": data["label"],
        "field_type": data["field_type"],
        "choices": field_services.parse_choices(data["choices"]),
        "required": data["required"],
        "applies_to": data["applies_to"],
        "position": data["position"],
        "is_active": data["is_active"],
    }


@admin_required
@require_http_methods(["GET", "POST"])
def custom_field_create(request: HttpRequest) -> HttpResponse:
    """Add a custom field to customers."""
    form = (
        CustomFieldCreateForm(request.POST) if request.method == "POST" else CustomFieldCreateForm()
    )
    if request.method == "POST" and form.is_valid():
        try:
            definition = field_services.create_field(
                actor=request.user,
                key=form.cleaned_data["key"],
                **_field_values(form.cleaned_data),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request, _("Custom field “%(name)s” was created.") % {"name": definition}
            )
            return redirect("customers:custom_fields")
    context = {"form": form, "definition": None}
    return _page(request, "customers/settings/custom_field_form.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def custom_field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a custom field; its key stays as created."""
    definition = get_object_or_404(CustomFieldDefinition, pk=pk)
    if request.method == "GET":
        form: Any = CustomFieldForm(initial=custom_field_initial(definition))
    else:
        form = CustomFieldForm(request.POST)
        if form.is_valid():
            try:
                field_services.update_field(
                    actor=request.user,
                    definition=definition,
                    expected_version=form.cleaned_data["version"],
                    **_field_values(form.cleaned_data),
                )
            except StaleVersion as exc:
                definition = CustomFieldDefinition.objects.get(pk=pk)
                form = stale_form(CustomFieldForm, custom_field_initial(definition), exc)
            except DomainError as exc:
                definition = CustomFieldDefinition.objects.get(pk=pk)
                add_domain_errors(form, exc)
            else:
                messages.success(
                    request, _("Custom field “%(name)s” was saved.") % {"name": definition}
                )
                return redirect("customers:custom_fields")
    context = {"form": form, "definition": definition}
    return _page(request, "customers/settings/custom_field_form.html", context)


@admin_required
@require_POST
def custom_field_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a custom field definition."""
    definition = get_object_or_404(CustomFieldDefinition, pk=pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        field_services.delete_field(
            actor=request.user, definition=definition, expected_version=version
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("customers:custom_field_edit", pk=pk)
    messages.success(request, _("Custom field “%(name)s” was deleted.") % {"name": definition})
    return redirect("customers:custom_fields")
