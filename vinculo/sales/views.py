"""Catalogue pages: the product list, product create/edit, and product groups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vinculo.core.edit_page import Stale, versioned_edit
from vinculo.core.errors import DomainError, NotAllowed, StaleVersion, ValidationFailed
from vinculo.core.history import history_rows
from vinculo.core.permissions import can, can_create
from vinculo.core.tagging.values import definitions_for, tag_names_of
from vinculo.core.web import (
    add_domain_errors,
    add_errors_besides,
    get_visible,
    render_page,
    service_errors,
)
from vinculo.sales import queries, services
from vinculo.sales.forms import GroupForm, ProductForm, group_choices, product_initial
from vinculo.sales.models import Product, ProductGroup

PAGE_SIZE = 50


# --- products ----------------------------------------------------------------------------


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    """The catalogue by name, filtered, one keyset page at a time (no count, no OFFSET)."""
    user: Any = request.user
    flt = queries.ProductFilter.from_params(request.GET)
    errors = dict(flt.errors)
    page = None
    if not errors:
        try:
            page = queries.product_page(
                user, flt, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE
            )
        except ValidationFailed as exc:
            errors = exc.errors
    tags = tag_names_of(page.items) if page else {}
    rows = [(p, tags.get(p.pk, [])) for p in page.items] if page else []
    context = {
        "nav": "products",
        "flt": flt,
        "page": page,
        "rows": rows,
        "errors": errors,
        "params": request.GET,
        "groups": group_choices(queries.group_tree(user))[1:],
        "can_edit": can_create(user, Product),
    }
    return render_page(request, "sales/product_list.html", context, partial="sales/_products.html")


def _product_page(
    request: HttpRequest,
    form: ProductForm,
    product: Product | None,
    *,
    status: int = 200,
    stale: Stale | None = None,
) -> HttpResponse:
    context = {
        "nav": "products",
        "form": form,
        "product": product,
        "stale": stale,
        "history": history_rows(product, request.user) if product is not None else [],
    }
    return render_page(request, "sales/product_form.html", context, status=status)


def _custom_map(form: ProductForm) -> dict[str, str]:
    """Service errors of custom fields ("custom.<key>") onto their form fields."""
    return {f"custom.{d.key}": f"cf_{d.key}" for d in form.definitions}


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not can_create(user, Product):
        raise PermissionDenied
    groups = queries.group_tree(user)
    if request.method != "POST":
        return _product_page(request, ProductForm(groups=groups), None)
    form = ProductForm(request.POST, groups=groups)
    valid = form.is_valid()
    try:
        if valid:
            services.create_product(actor=user, data=form.to_data())
            messages.success(request, _("Product saved."))
            return redirect("sales:products")
        errors = service_errors(lambda: services.create_product(actor=user, data=form.to_data()))
        add_errors_besides(form, errors, _custom_map(form))
    except ValidationFailed as exc:
        add_domain_errors(form, exc, _custom_map(form))
    except NotAllowed:
        raise PermissionDenied from None
    return _product_page(request, form, None, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    product = get_visible(Product, user, pk)
    if not can(user, "change", product):
        raise PermissionDenied
    groups = queries.group_tree(user)

    def form(record: Product, data: QueryDict | None) -> ProductForm:
        return ProductForm(data, initial=product_initial(record), groups=groups)

    def save(form: ProductForm, record: Product, version: int | None) -> Product:
        return services.update_product(
            actor=user, product=record, data=form.to_data(), expected_version=version
        )

    def saved(_product: Product) -> HttpResponse:
        messages.success(request, _("Product saved."))
        return redirect("sales:products")

    return versioned_edit(
        request,
        product,
        form=form,
        load=lambda: get_visible(Product, user, pk),
        save=save,
        check=lambda form, record: save(form, record, None),
        page=_product_page,
        saved=saved,
        field_map={f"custom.{d.key}": f"cf_{d.key}" for d in definitions_for(Product)},
    )


# --- groups ------------------------------------------------------------------------------


def _groups_page(request: HttpRequest, form: GroupForm, *, status: int = 200) -> HttpResponse:
    user: Any = request.user
    tree = queries.group_tree(user)
    context = {
        "nav": "products",
        "form": form,
        "tree": [(g, f"{'— ' * depth}{g.name}") for g, depth in tree],
        "can_edit": can_create(user, ProductGroup),
    }
    return render_page(request, "sales/group_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def group_list(request: HttpRequest) -> HttpResponse:
    """The groups as a tree; who keeps the catalogue adds groups here."""
    user: Any = request.user
    groups = queries.group_tree(user)
    if request.method != "POST":
        return _groups_page(request, GroupForm(groups=groups))
    if not can_create(user, ProductGroup):
        raise PermissionDenied
    form = GroupForm(request.POST, groups=groups)
    if form.is_valid():
        try:
            services.create_group(
                actor=user, name=form.cleaned_data["name"], parent_id=form.cleaned_data["parent"]
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Group saved."))
            return redirect("sales:groups")
    return _groups_page(request, form, status=422)


def _group_page(
    request: HttpRequest,
    form: GroupForm,
    group: ProductGroup | None,
    *,
    status: int = 200,
    stale: Stale | None = None,
) -> HttpResponse:
    context = {"nav": "products", "form": form, "group": group, "stale": stale}
    return render_page(request, "sales/group_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a group or move it under another."""
    user: Any = request.user
    group = get_visible(ProductGroup, user, pk)
    if not can(user, "change", group):
        raise PermissionDenied
    groups = [(g, d) for g, d in queries.group_tree(user) if g.pk != group.pk]

    def form(record: ProductGroup, data: QueryDict | None) -> GroupForm:
        initial = {"version": record.version, "name": record.name, "parent": record.parent_id}
        return GroupForm(data, initial=initial, groups=groups)

    def save(form: GroupForm, record: ProductGroup, version: int | None) -> ProductGroup:
        cd = form.cleaned_data
        return services.update_group(
            actor=user,
            group=record,
            expected_version=version,
            name=cd.get("name"),
            parent_id=cd.get("parent"),
            move="parent" not in form.errors,
        )

    def saved(_group: ProductGroup) -> HttpResponse:
        messages.success(request, _("Group saved."))
        return redirect("sales:groups")

    return versioned_edit(
        request,
        group,
        form=form,
        load=lambda: get_visible(ProductGroup, user, pk),
        save=save,
        check=lambda form, record: save(form, record, None),
        page=_group_page,
        saved=saved,
    )


@login_required
@require_POST
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete an empty group (the version the person saw); a group in use stays."""
    user: Any = request.user
    group = get_visible(ProductGroup, user, pk)
    if not can(user, "delete", group):
        raise PermissionDenied
    raw = request.POST.get("version") or ""
    version = int(raw) if raw.isdigit() and len(raw) < 10 else -1
    try:
        services.delete_group(actor=user, group=group, expected_version=version)
    except StaleVersion:
        messages.error(request, _("This group was changed by someone else. Try again."))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Group deleted."))
    return redirect("sales:groups")
