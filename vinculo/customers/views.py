"""Customer pages: list, create/edit/delete, the 360 page (and its registered panels), org
chooser. Global search is the pages app's, over the groups apps register."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from vinculo.accounts.queries import staff_for
from vinculo.core import extensions
from vinculo.core.edit_page import Stale, versioned_edit
from vinculo.core.errors import DomainError, NotAllowed, StaleVersion, ValidationFailed
from vinculo.core.history import history_rows
from vinculo.core.permissions import can, can_create, restrict
from vinculo.core.web import get_visible, render_page, service_refusal
from vinculo.customers import queries
from vinculo.customers.custom_fields import active_definitions
from vinculo.customers.forms import CustomerForm, DeleteForm, initial_from
from vinculo.customers.models import Customer, CustomFieldDefinition
from vinculo.customers.services import (
    create_customer,
    delete_customer,
    duplicates_before_save,
    probable_duplicates,
    update_customer,
    validate_customer,
)

PAGE_SIZE = 50
# Panels other apps register for this page (core.extensions.register_panel).
PANEL_TARGET = Customer._meta.label_lower
SEARCH_MIN_CHARS = 2


# --- list ---------------------------------------------------------------------------


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    """Filtered, sorted customers one keyset page at a time (no total count, no OFFSET)."""
    user: Any = request.user
    definitions = active_definitions()
    errors: dict[str, list[str]] = {}
    page = total = None
    try:
        flt = queries.CustomerFilter.from_params(request.GET)
    except ValidationFailed as exc:
        flt, errors = queries.CustomerFilter(), exc.errors
    if not errors:
        try:
            page = queries.customer_page(
                user, flt, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE
            )
            total = queries.customer_total(user, flt, page)
        except ValidationFailed as exc:
            errors = exc.errors
    context = {
        "nav": "customers",
        "flt": flt,
        "page": page,
        "total": total,
        "errors": errors,
        "error_labels": _filter_labels(definitions),
        "params": request.GET,
        "sorts": [(key, label) for key, (_order, label) in queries.SORTS.items()],
        "kinds": Customer.Kind.choices,
        "stages": Customer.Stage.choices,
        "sources": Customer.Source.choices,
        "owners": staff_for(user, Customer, "view"),
        "definitions": definitions,
        "can_create": can_create(user, Customer),
    }
    return render_page(
        request, "customers/list.html", context, partial="customers/_customer_table.html"
    )


def _filter_labels(definitions: list[CustomFieldDefinition]) -> dict[str, str]:
    labels = {
        "kind": _("Type"),
        "stage": _("Lifecycle stage"),
        "source": _("Source"),
        "owner": _("Owner"),
        "organization": _("Organization"),
        "sort": _("Sort"),
        "cursor": _("Page"),
    }
    for d in definitions:
        labels[f"cf_{d.key}"] = d.label
        labels[f"cf_{d.key}__gte"] = f"{d.label} ≥"
        labels[f"cf_{d.key}__lte"] = f"{d.label} ≤"
    return labels


# --- choosers ------------------------------------------------------------------------


@login_required
@require_GET
def customer_suggest(request: HttpRequest) -> HttpResponse:
    """Radio-button choices for a chooser field (organization of a person, customer of a
    task), fed by search so it scales to any number of customers."""
    field = request.GET.get("field", "organization")
    if field not in ("organization", "customer"):
        field = "organization"
    kind = Customer.Kind.ORGANIZATION if field == "organization" else ""
    q = (request.GET.get(f"{field}_q") or "").strip()[:200]
    found = queries.suggest_customers(request.user, q, kind=kind, limit=10)
    selected = None
    raw = request.GET.get(field) or ""
    if raw.isdigit():
        selected = (
            restrict(Customer.objects.all(), request.user, "view").filter(pk=int(raw)).first()
        )
    found = [c for c in found if not selected or c.pk != selected.pk]
    context = {
        "field": field,
        "selected": selected,
        "found": found,
        "q": q,
        "too_short": len(q) < SEARCH_MIN_CHARS,
    }
    return render_page(request, "customers/_chooser_options.html", context)


# --- create / edit / delete ----------------------------------------------------------


def _owner_choices(user: Any) -> list[Any] | None:
    """Users the customer may be given to, or None when this user cannot reassign."""
    return staff_for(user, Customer, "reassign") or None


def _organization_choice(user: Any, form: CustomerForm) -> Customer | None:
    value = form["organization"].value()
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    visible = restrict(Customer.objects.all(), user, "view")
    return visible.filter(pk=pk, kind=Customer.Kind.ORGANIZATION).first()


def _form_page(
    request: HttpRequest,
    form: CustomerForm,
    customer: Customer | None,
    *,
    status: int = 200,
    stale: Stale | None = None,
    duplicates: list[Customer] | None = None,
) -> HttpResponse:
    kind = form["kind"].value() or Customer.Kind.PERSON
    context = {
        "nav": "customers",
        "form": form,
        "customer": customer,
        "organization_choice": _organization_choice(request.user, form),
        "kind_value": kind,
        "is_org": kind == Customer.Kind.ORGANIZATION,
        "stale": stale,
        "duplicates": duplicates or [],
    }
    return render_page(request, "customers/form.html", context, status=status)


def _validate(user: Any, form: CustomerForm, customer: Customer | None) -> None:
    """The service's checks of what the form could read (also a form Django refused)."""
    validate_customer(actor=user, data=form.to_data(), customer=customer)


def _service_errors(form: CustomerForm, exc: DomainError, besides_own: bool) -> None:
    form.add_service_errors(exc, besides_own=besides_own)


def _doubtful(
    request: HttpRequest, form: CustomerForm, customer: Customer | None
) -> HttpResponse | None:
    """The form again, with the customers who already have an email or phone typed here
    ("save anyway" goes on), and the service's errors if any. None: go ahead and save."""
    user: Any = request.user
    if request.POST.get("confirm_duplicates"):
        return None
    data = form.to_data()
    duplicates = duplicates_before_save(
        user,
        emails=[p.value for p in data.emails or []],
        phones=[p.value for p in data.phones or []],
        customer=customer,
    )
    if not duplicates:
        return None
    try:
        validate_customer(actor=user, data=data, customer=customer)
    except ValidationFailed as exc:
        form.add_service_errors(exc)
        return _form_page(request, form, customer, status=422, duplicates=duplicates)
    return _form_page(request, form, customer, duplicates=duplicates)


def _after_save(request: HttpRequest, customer: Customer, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not can_create(user, Customer):
        raise PermissionDenied
    definitions = active_definitions()
    owners = _owner_choices(user)
    if request.method == "GET":
        kind = request.GET.get("kind")
        initial: dict[str, Any] = {
            "kind": kind if kind in Customer.Kind.values else Customer.Kind.PERSON,
            "stage": Customer.Stage.LEAD,
            "owner": user.pk,
        }
        org = request.GET.get("organization", "")
        if org.isdigit():
            initial["organization"] = int(org)
        form = CustomerForm(definitions=definitions, owners=owners, initial=initial)
        return _form_page(request, form, None)
    form = CustomerForm(request.POST, definitions=definitions, owners=owners)
    if not form.is_valid():
        # The service's own rules too (a taken tax id, a required custom field): every
        # problem at once.
        refusal = service_refusal(lambda: _validate(user, form, None))
        if refusal is not None:
            form.add_service_errors(refusal, besides_own=True)
        return _form_page(request, form, None, status=422)
    if (doubtful := _doubtful(request, form, None)) is not None:
        return doubtful
    try:
        customer = create_customer(actor=user, data=form.to_data())
    except ValidationFailed as exc:
        form.add_service_errors(exc)
        return _form_page(request, form, None, status=422)
    except NotAllowed:
        raise PermissionDenied from None
    return _after_save(request, customer, _("Customer created."))


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    customer = get_visible(Customer, user, pk)
    if not can(user, "change", customer):
        raise PermissionDenied
    definitions = active_definitions()
    owners = _owner_choices(user)

    def form(record: Customer, data: QueryDict | None) -> CustomerForm:
        return CustomerForm(
            data,
            definitions=definitions,
            owners=owners,
            customer=record,
            initial=initial_from(record, definitions),
        )

    def save(form: CustomerForm, record: Customer, version: int | None) -> Customer:
        return update_customer(
            actor=user, customer=record, data=form.to_data(), expected_version=version
        )

    return versioned_edit(
        request,
        customer,
        form=form,
        load=lambda: get_visible(Customer, user, pk),
        save=save,
        check=lambda form, record: _validate(user, form, record),
        ask_first=lambda form, record: _doubtful(request, form, record),
        show_errors=_service_errors,
        page=_form_page,
        saved=lambda saved: _after_save(request, saved, _("Customer saved.")),
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    customer = get_visible(Customer, user, pk)
    if not can(user, "delete", customer):
        raise PermissionDenied
    form = DeleteForm(request.POST or None, initial={"version": customer.version})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                delete_customer(
                    actor=user, customer=customer, expected_version=form.cleaned_data["version"]
                )
            except StaleVersion as exc:
                messages.error(request, exc.message)
                customer = get_visible(Customer, user, pk)
                form = DeleteForm(initial={"version": customer.version})
                status = 409
            except NotAllowed:
                raise PermissionDenied from None
            else:
                messages.success(
                    request, _("Customer “%(name)s” deleted.") % {"name": customer.name}
                )
                return redirect("customers:list")
        else:
            status = 422
    context = {"nav": "customers", "customer": customer, "form": form}
    return render_page(request, "customers/delete.html", context, status=status)


# --- 360 ----------------------------------------------------------------------------


@login_required
@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Customer 360: identity, contact points and history, plus the panels other apps
    register for customers (the logbook's figures, tasks and timeline, …)."""
    user: Any = request.user
    customer = get_visible(Customer, user, pk)
    if customer.organization_id:
        customer.visible_organization = (  # type: ignore[attr-defined]
            restrict(Customer.objects.all(), user, "view")
            .filter(pk=customer.organization_id)
            .first()
        )
    relations = queries.relations_of(customer)
    points = relations.points
    definitions = [d for d in active_definitions(customer.kind) if d.key in customer.custom_data]
    context: dict[str, Any] = {
        "nav": "customers",
        "customer": customer,
        "emails": [p for p in points if p.kind == "email"],
        "phones": [p for p in points if p.kind == "phone"],
        "socials": [p for p in points if p.kind == "social"],
        "addresses": relations.addresses,
        "tags": relations.tag_names,
        "custom_values": [(d, customer.custom_data.get(d.key)) for d in definitions],
        "people": queries.people_of(customer, user) if customer.is_organization else [],
        "people_limit": 50,
        "duplicates": list(probable_duplicates(customer, user, points=points)),
        "history": history_rows(customer, user, extra_labels=history_labels()),
        "can_change": can(user, "change", customer),
        "can_delete": can(user, "delete", customer),
        "panels": extensions.bind_panels(
            request,
            PANEL_TARGET,
            customer,
            url=lambda key: reverse("customers:panel", args=[customer.pk, key]),
        ),
    }
    return render_page(request, "customers/detail.html", context)


@login_required
@require_GET
def customer_panel(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """One registered panel of a customer: the fragment for htmx (lazy panels load so),
    a small page of its own otherwise. 404 unless the viewer may see customer and panel."""
    customer = get_visible(Customer, request.user, pk)
    panel = extensions.get_panel(PANEL_TARGET, key)
    if panel is None or not panel.allows(request.user, customer):
        raise Http404
    html = extensions.render_panel(request, panel, customer)
    context = {"nav": "customers", "customer": customer, "panel": panel, "html": html}
    return render_page(
        request, "customers/panel_page.html", context, partial="customers/_panel_only.html"
    )


def history_labels() -> dict[str, str]:
    """Names of the related rows the customer services audit beside the model's fields."""
    return {
        "emails": _("Emails"),
        "phones": _("Phones"),
        "socials": _("Social networks"),
        "addresses": _("Addresses"),
        "tags": _("Tags"),
        "custom_data": _("Custom fields"),
    }
