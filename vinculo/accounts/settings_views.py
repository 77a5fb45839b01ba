"""The administrators' settings: the hub (every registered section), users, teams, roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
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
from vinculo.core.edit_page import Stale, versioned_edit
from vinculo.core.errors import DomainError
from vinculo.core.history import history_rows
from vinculo.core.web import add_domain_errors, add_errors_besides, render_page, service_errors

NAV = "settings"
# Service field names shown on another form field.
USER_FIELDS = {"password": "password1"}


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


def _user_values(data: dict[str, Any], *, new: bool) -> dict[str, Any]:
    """The user services' arguments from a user form. A field the form refused is missing
    from `data`: empty for create_user, None (unchanged) for update_user, so the service
    still checks every other field and the page shows every error at once."""
    text = ("first_name", "last_name", "email", "language", "time_zone")
    values: dict[str, Any] = {name: data.get(name) for name in text}
    if new:
        values = {name: value or "" for name, value in values.items()}
    values["role"] = data.get("role")
    values["teams"] = list(data["teams"]) if "teams" in data else ([] if new else None)
    return values


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
                **_user_values(data, new=True),
            )

        if not valid:
            # A weak password or a taken username shows with the form's own errors.
            add_errors_besides(form, service_errors(create), USER_FIELDS)
        else:
            try:
                user = create()
            except DomainError as exc:
                add_domain_errors(form, exc, USER_FIELDS)
            else:
                messages.success(request, _("User “%(name)s” was created.") % {"name": user})
                return redirect("accounts:users")
    return _page(request, "accounts/settings/user_form.html", {"form": form, "subject": None})


def _user_page(
    request: HttpRequest,
    form: Any,
    subject: User,
    *,
    password_form: Any = None,
    status: int = 200,
    stale: Stale | None = None,
) -> HttpResponse:
    context = {
        "subject": subject,
        "form": form,
        "password_form": password_form or SetPasswordForm(),
        "tokens": list(queries.active_tokens(subject)),
        "history": history_rows(subject, request.user, extra_labels={"teams": _("Teams")}),
        "stale": stale,
    }
    return _page(request, "accounts/settings/user_form.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a user; deactivating replaces deleting, so their history keeps its author."""
    users = User.objects.select_related("role")
    subject = get_object_or_404(users, pk=pk)

    def save(form: UserEditForm, user: User, version: int | None) -> User:
        data = form.cleaned_data
        return services.update_user(
            actor=request.user,
            user=user,
            expected_version=version,
            is_active=data.get("is_active"),
            **_user_values(data, new=False),
        )

    def saved(user: User) -> HttpResponse:
        messages.success(request, _("User “%(name)s” was saved.") % {"name": user})
        return redirect("accounts:users")

    return versioned_edit(
        request,
        subject,
        form=lambda user, data: UserEditForm(data, initial=user_initial(user)),
        load=lambda: users.filter(pk=pk).first(),
        save=save,
        check=lambda form, user: save(form, user, None),
        page=_user_page,
        saved=saved,
    )


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
    form_again = UserEditForm(initial=user_initial(subject))
    return _user_page(request, form_again, subject, password_form=form)


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
    return _team_page(request, form, None)


def _team_page(
    request: HttpRequest,
    form: Any,
    team: Team | None,
    *,
    status: int = 200,
    stale: Stale | None = None,
) -> HttpResponse:
    context = {"form": form, "team": team, "stale": stale}
    return _page(request, "accounts/settings/team_form.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a team or change its members."""
    team = get_object_or_404(Team, pk=pk)

    def save(form: TeamForm, team: Team, version: int | None) -> Team:
        data = form.cleaned_data
        return services.update_team(
            actor=request.user,
            team=team,
            expected_version=version,
            name=data.get("name"),
            members=list(data["members"]) if "members" in data else None,
        )

    def saved(team: Team) -> HttpResponse:
        messages.success(request, _("Team “%(name)s” was saved.") % {"name": team})
        return redirect("accounts:teams")

    return versioned_edit(
        request,
        team,
        form=lambda team, data: TeamForm(data, initial=team_initial(team)),
        load=lambda: Team.objects.filter(pk=pk).first(),
        save=save,
        check=lambda form, team: save(form, team, None),
        page=_team_page,
        saved=saved,
    )


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


def _role_page(
    request: HttpRequest,
    form: RoleForm,
    role: Role,
    *,
    status: int = 200,
    stale: Stale | None = None,
) -> HttpResponse:
    context = {"form": form, "role": role, "label": queries.role_label(role), "stale": stale}
    return _page(request, "accounts/settings/role_form.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change what a role reads and writes and what else it may do."""
    role = get_object_or_404(Role, pk=pk)
    flags = services.CAPABILITIES

    def save(form: RoleForm, role: Role, version: int | None) -> Role:
        data = form.cleaned_data
        return services.update_role(
            actor=request.user,
            role=role,
            expected_version=version,
            read_scope=data.get("read_scope"),
            write_scope=data.get("write_scope"),
            **{flag: data.get(flag) for flag in flags},
        )

    def saved(role: Role) -> HttpResponse:
        label = queries.role_label(role)
        messages.success(request, _("Role “%(name)s” was saved.") % {"name": label})
        return redirect("accounts:roles")

    return versioned_edit(
        request,
        role,
        form=lambda role, data: RoleForm(data, initial=role_initial(role)),
        load=lambda: Role.objects.filter(pk=pk).first(),
        save=save,
        check=lambda form, role: save(form, role, None),
        page=_role_page,
        saved=saved,
    )
