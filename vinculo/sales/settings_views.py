"""The settings pages of the products' custom fields (administrators), beside the
customers' own: the same forms and core writers, for the Product model. The settings hub
links here through the section registered in sales/extensions.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vinculo.accounts.settings_views import admin_required
from vinculo.core.edit_page import Stale, versioned_edit
from vinculo.core.errors import DomainError
from vinculo.core.tagging import services as field_services
from vinculo.core.tagging.models import CustomFieldDefinition
from vinculo.core.tagging.values import model_label
from vinculo.core.web import add_domain_errors, render_page
from vinculo.customers.field_forms import (
    CustomFieldCreateForm,
    CustomFieldForm,
    custom_field_initial,
)
from vinculo.customers.settings_views import FieldPages, field_values
from vinculo.sales.models import Product

NAV = "settings"


def product_field_pages() -> FieldPages:
    """The customers' custom-field settings pages, for products."""
    return FieldPages(
        namespace="sales",
        section="product_fields",
        title=_("Product fields"),
        deleted_note=_(
            "Values already saved on products are no longer shown. To hide the field but "
            "keep it, make it inactive instead."
        ),
    )


def _definitions() -> Any:
    return CustomFieldDefinition.objects.filter(model=model_label(Product))


def _with_product_kinds(form: Any) -> Any:
    """The form with the products' own "applies to" choices (all, products, services)."""
    form.fields["applies_to"].choices = field_services.applies_to_choices(Product)
    return form


def _page(request: HttpRequest, template: str, context: dict[str, Any], **kw: Any) -> HttpResponse:
    return render_page(request, template, {"nav": NAV, **context}, **kw)


@admin_required
@require_GET
def custom_fields(request: HttpRequest) -> HttpResponse:
    """Custom product fields in the order forms show them."""
    definitions = list(_definitions().order_by("position", "id"))
    context = {"definitions": definitions, "fields": product_field_pages()}
    return _page(request, "customers/settings/custom_fields.html", context)


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
        "fields": product_field_pages(),
    }
    return _page(request, "customers/settings/custom_field_form.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def custom_field_create(request: HttpRequest) -> HttpResponse:
    """Add a custom field to products."""
    data = request.POST if request.method == "POST" else None
    form = _with_product_kinds(CustomFieldCreateForm(data))
    if data is not None and form.is_valid():
        try:
            definition = field_services.create_field(
                actor=request.user,
                model=Product,
                key=form.cleaned_data["key"],
                **field_values(form.cleaned_data),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request, _("Custom field “%(name)s” was created.") % {"name": definition}
            )
            return redirect("sales:custom_fields")
    return _field_page(request, form, None, status=422 if data is not None else 200)


@admin_required
@require_http_methods(["GET", "POST"])
def custom_field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a product custom field; its key stays as created."""
    definition = get_object_or_404(_definitions(), pk=pk)

    def save(
        form: CustomFieldForm, definition: CustomFieldDefinition, version: int | None
    ) -> CustomFieldDefinition:
        return field_services.update_field(
            actor=request.user,
            definition=definition,
            expected_version=version,
            **field_values(form.cleaned_data),
        )

    def saved(definition: CustomFieldDefinition) -> HttpResponse:
        messages.success(request, _("Custom field “%(name)s” was saved.") % {"name": definition})
        return redirect("sales:custom_fields")

    return versioned_edit(
        request,
        definition,
        form=lambda definition, data: _with_product_kinds(
            CustomFieldForm(data, initial=custom_field_initial(definition))
        ),
        load=lambda: _definitions().filter(pk=pk).first(),
        save=save,
        check=lambda form, definition: save(form, definition, None),
        page=_field_page,
        saved=saved,
    )


@admin_required
@require_POST
def custom_field_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a product custom field definition."""
    definition = get_object_or_404(_definitions(), pk=pk)
    raw = request.POST.get("version", "")
    version = int(raw) if raw.isdigit() and len(raw) < 10 else None
    try:
        field_services.delete_field(
            actor=request.user, definition=definition, expected_version=version
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("sales:custom_field_edit", pk=pk)
    messages.success(request, _("Custom field “%(name)s” was deleted.") % {"name": definition})
    return redirect("sales:custom_fields")
