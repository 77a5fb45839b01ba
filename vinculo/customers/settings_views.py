"""The settings pages of customers' custom fields (administrators). The settings hub links
here through the section registered in customers/extensions.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vinculo.accounts.settings_views import admin_required
from vinculo.core.edit_page import Stale, versioned_edit
from vinculo.core.errors import DomainError
from vinculo.core.tagging.models import CustomFieldDefinition as FieldDefinition
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


@dataclass(frozen=True)
class FieldPages:
    """What the shared custom-field settings templates need to know of one model's pages:
    its URL names, its settings tab, its title and the note shown before deleting a field."""

    namespace: str
    section: str
    title: str
    deleted_note: str

    @property
    def list_url(self) -> str:
        return f"{self.namespace}:custom_fields"

    @property
    def create_url(self) -> str:
        return f"{self.namespace}:custom_field_create"

    @property
    def edit_url(self) -> str:
        return f"{self.namespace}:custom_field_edit"

    @property
    def delete_url(self) -> str:
        return f"{self.namespace}:custom_field_delete"


def customer_field_pages() -> FieldPages:
    return FieldPages(
        namespace="customers",
        section="fields",
        title=_("Custom fields"),
        deleted_note=_(
            "Values already saved on customers are no longer shown. To hide the field but "
            "keep it, make it inactive instead."
        ),
    )


@admin_required
@require_GET
def custom_fields(request: HttpRequest) -> HttpResponse:
    """Custom customer fields in the order forms show them."""
    definitions = list(CustomFieldDefinition.objects.order_by("position", "id"))
    context = {"definitions": definitions, "fields": customer_field_pages()}
    return _page(request, "customers/settings/custom_fields.html", context)


def field_values(data: dict[str, Any]) -> dict[str, Any]:
    """The field services' arguments from the form; a field the form refused is None
    (unchanged), so a dry run of the service checks the others."""
    names = ("label", "field_type", "required", "applies_to", "position", "is_active")
    values = {name: data.get(name) for name in names}
    choices = data.get("choices")
    values["choices"] = field_services.parse_choices(choices) if choices is not None else None
    return values


def _field_page(
    request: HttpRequest,
    form: Any,
    definition: CustomFieldDefinition | None,
    *,
    status: int = 200,
    stale: Stale | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "definition": definition,
        "stale": stale,
        "fields": customer_field_pages(),
    }
    return _page(request, "customers/settings/custom_field_form.html", context, status=status)


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
                **field_values(form.cleaned_data),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request, _("Custom field “%(name)s” was created.") % {"name": definition}
            )
            return redirect("customers:custom_fields")
    return _field_page(request, form, None)


@admin_required
@require_http_methods(["GET", "POST"])
def custom_field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a custom field; its key stays as created."""
    definition = get_object_or_404(CustomFieldDefinition, pk=pk)

    def save(
        form: CustomFieldForm, definition: CustomFieldDefinition, version: int | None
    ) -> FieldDefinition:
        return field_services.update_field(
            actor=request.user,
            definition=definition,
            expected_version=version,
            **field_values(form.cleaned_data),
        )

    def saved(definition: FieldDefinition) -> HttpResponse:
        messages.success(request, _("Custom field “%(name)s” was saved.") % {"name": definition})
        return redirect("customers:custom_fields")

    return versioned_edit(
        request,
        definition,
        form=lambda definition, data: CustomFieldForm(
            data, initial=custom_field_initial(definition)
        ),
        load=lambda: CustomFieldDefinition.objects.filter(pk=pk).first(),
        save=save,
        check=lambda form, definition: save(form, definition, None),
        page=_field_page,
        saved=saved,
    )


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
