"""The administrators' settings: the hub (every registered section), users, teams, roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vinculo.accounts import queries, services
from vinculo.accounts.forms import (
    RoleForm,
    SetPasswordForm,
    TeamCreateForm,
    TeamForm,
    UserCreateForm,
    UserEditForm,
    role_initial,
    team_initial,
    user_initial,
)
from vinculo.accounts.models import Role, Team, User
from vinculo.accounts.views import stale_form
from vinculo.core.errors import DomainError, StaleVersion
from vinculo.core.history import history_rows
from vinculo.core.web import add_domain_errors, add_errors_besides, render_page, service_errors

NAV = "settings"


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Visitors go to the sign-in page; signed-in users without settings rights get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_administrator", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _page(request: HttpRequest, template: str, context: dict[str, Any], **kw: Any) -> HttpResponse:
    return render_page(request, template, {"nav": NAV, **context}, **kw)


@admin_required
@require_GET
def hub(request: HttpRequest) -> HttpResponse:
    """The settings start page."""
    return _page(request, "accounts/settings/hub.html", {})


# --- users -------------------------------------------------------------------------------


@admin_required
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    """Users by name with role, teams and status; filtered by a search box (htmx-aware)."""
    query = request.GET.get("q", "")[:100]
    try:
        page = queries.users_page(query=query, cursor=request.GET.get("cursor") or None)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:users")
    rows = [(u, queries.role_label(u.role)) for u in page.items]
    return _page(
        request,
        "accounts/settings/users.html",
        {"page": page, "rows": rows, "query": query},
        partial="accounts/settings/_users_table.html",
    )


@admin_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    """Add a user with an initial password."""
    form = UserCreateForm(request.POST) if request.method == "POST" else UserCreateForm()
    if request.method == "POST":
        valid = form.is_valid()
        data = form.cleaned_data

        def create() -> User:
            return services.create_user(
                actor=request.user,
                username=data.get("username") or "",
                password=data.get("password1") or "",
                role=data.get("role"),
                first_name=data.get("first_name") or "",
                last_name=data.get("last_name") or "",
                email=data.get("email") or "",
                teams=list(data.get("teams") or []),
                language=data.get("language") or "",
                time_zone=data.get("time_zone") or "",
            )

        if not valid:
            # A weak password or a taken username shows with the form's own errors.
            add_errors_besides(form, service_errors(create), {"password": "password1"})
        else:
            try:
                user = create()
            except DomainError as exc:
                add_domain_errors(form, exc, {"password": "password1"})
            else:
                messages.success(request, _("User “%(name)s” was created.") % {"name": user})
                return redirect("accounts:users")
    return _page(request, "accounts/settings/user_form.html", {"form": form, "subject": None})


def _user_page(
    request: HttpRequest, subject: User, form: Any, password_form: Any = None
) -> HttpResponse:
    context = {
        "subject": subject,
        "form": form,
        "password_form": password_form or SetPasswordForm(),
        "tokens": list(queries.active_tokens(subject)),
        "history": history_rows(subject, request.user, extra_labels={"teams": _("Teams")}),
    }
    return _page(request, "accounts/settings/user_form.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a user; deactivating replaces deleting, so their history keeps its author."""
    subject = get_object_or_404(User.objects.select_related("role"), pk=pk)
    if request.method == "GET":
        return _user_page(request, subject, UserEditForm(initial=user_initial(subject)))
    form: Form = UserEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                actor=request.user,
                user=subject,
                expected_version=data["version"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=data["role"],
                teams=list(data["teams"]),
                is_active=data["is_active"],
                language=data["language"],
                time_zone=data["time_zone"],
            )
        except StaleVersion as exc:
            subject = User.objects.select_related("role").get(pk=pk)
            form = stale_form(UserEditForm, user_initial(subject), exc)
        except DomainError as exc:
            subject = User.objects.select_related("role").get(pk=pk)
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("User “%(name)s” was saved.") % {"name": subject})
            return redirect("accounts:users")
    return _user_page(request, subject, form)


@admin_required
@require_POST
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a user a new password (for a forgotten one)."""
    subject = get_object_or_404(User.objects.select_related("role"), pk=pk)
    form = SetPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.set_password(
                actor=request.user,
                user=subject,
                password=form.cleaned_data["new_password1"],
                current_password=None,
            )
        except DomainError as exc:
            add_domain_errors(form, exc, {"password": "new_password1"})
        else:
            messages.success(
                request, _("The password of “%(name)s” was changed.") % {"name": subject}
            )
            return redirect("accounts:user_edit", pk=subject.pk)
    subject = User.objects.select_related("role").get(pk=pk)
    return _user_page(request, subject, UserEditForm(initial=user_initial(subject)), form)


# --- teams -------------------------------------------------------------------------------


@admin_required
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    """Teams by name with how many members each has."""
    try:
        page = queries.teams_page(cursor=request.GET.get("cursor") or None)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:teams")
    return _page(request, "accounts/settings/teams.html", {"page": page})


@admin_required
@require_http_methods(["GET", "POST"])
def team_create(request: HttpRequest) -> HttpResponse:
    """Create a team and choose its members."""
    form = TeamCreateForm(request.POST) if request.method == "POST" else TeamCreateForm()
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(
                actor=request.user,
                name=form.cleaned_data["name"],
                members=list(form.cleaned_data["members"]),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Team “%(name)s” was created.") % {"name": team})
            return redirect("accounts:teams")
    return _page(request, "accounts/settings/team_form.html", {"form": form, "team": None})


@admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a team or change its members."""
    team = get_object_or_404(Team, pk=pk)
    if request.method == "GET":
        form: Any = TeamForm(initial=team_initial(team))
    else:
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                services.update_team(
                    actor=request.user,
                    team=team,
                    expected_version=form.cleaned_data["version"],
                    name=form.cleaned_data["name"],
                    members=list(form.cleaned_data["members"]),
                )
            except StaleVersion as exc:
                team = Team.objects.get(pk=pk)
                form = stale_form(TeamForm, team_initial(team), exc)
            except DomainError as exc:
                team = Team.objects.get(pk=pk)
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Team “%(name)s” was saved.") % {"name": team})
                return redirect("accounts:teams")
    return _page(request, "accounts/settings/team_form.html", {"form": form, "team": team})


@admin_required
@require_POST
def team_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a team (its members stay)."""
    team = get_object_or_404(Team, pk=pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.delete_team(actor=request.user, team=team, expected_version=version)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:team_edit", pk=pk)
    messages.success(request, _("Team “%(name)s” was deleted.") % {"name": team})
    return redirect("accounts:teams")


# --- roles -------------------------------------------------------------------------------


@admin_required
@require_GET
def roles(request: HttpRequest) -> HttpResponse:
    """The seven roles with their scopes and capabilities."""
    rows = [(r, queries.role_label(r)) for r in queries.roles_with_users()]
    return _page(request, "accounts/settings/roles.html", {"rows": rows})


@admin_required
@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change what a role reads and writes and what else it may do."""
    role = get_object_or_404(Role, pk=pk)
    if request.method == "GET":
        form: Any = RoleForm(initial=role_initial(role))
    else:
        form = RoleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_role(
                    actor=request.user,
                    role=role,
                    expected_version=data["version"],
                    read_scope=data["read_scope"],
                    write_scope=data["write_scope"],
                    can_log_on_readable=data["can_log_on_readable"],
                    can_manage_settings=data["can_manage_settings"],
                    can_reassign=data["can_reassign"],
                    can_use_analytics=data["can_use_analytics"],
                )
            except StaleVersion as exc:
                role = Role.objects.get(pk=pk)
                form = stale_form(RoleForm, role_initial(role), exc)
            except DomainError as exc:
                role = Role.objects.get(pk=pk)
                add_domain_errors(form, exc)
            else:
                label = queries.role_label(role)
                messages.success(request, _("Role “%(name)s” was saved.") % {"name": label})
                return redirect("accounts:roles")
    context = {"form": form, "role": role, "label": queries.role_label(role)}
    return _page(request, "accounts/settings/role_form.html", context)
