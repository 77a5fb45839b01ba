"""Sign-in, sign-out, language switch, and each user's own profile and API tokens."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from vinculo.accounts import services, throttle
from vinculo.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    TokenForm,
    profile_initial,
)
from vinculo.accounts.models import ApiToken, User
from vinculo.accounts.queries import active_tokens, language_codes, role_label
from vinculo.core.edit_page import Stale, versioned_edit
from vinculo.core.errors import DomainError
from vinculo.core.web import add_domain_errors, render_page


def safe_next(request: HttpRequest, candidate: str | None, fallback: str) -> str:
    """`candidate` if it points into this site, else the `fallback` URL or URL name."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(fallback)


def signed_in(request: HttpRequest) -> User:
    """`request.user` typed as the signed-in user (call only behind login_required)."""
    return cast(User, request.user)


def _fresh(user: Any) -> User:
    """The signed-in user as a plain model instance to write through the services
    (`request.user` is a lazy proxy)."""
    return User.objects.select_related("role").get(pk=user.pk)


def _wait_message(seconds: int) -> str:
    """The wait in seconds for short delays, in whole minutes beyond one minute."""
    if seconds < 60:
        return ngettext(
            "Too many failed sign-in attempts. Try again in %(n)d second.",
            "Too many failed sign-in attempts. Try again in %(n)d seconds.",
            seconds,
        ) % {"n": seconds}
    minutes = throttle.retry_after_minutes(seconds)
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(n)d minute.",
        "Too many failed sign-in attempts. Try again in %(n)d minutes.",
        minutes,
    ) % {"n": minutes}


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Sign in; after repeated failures of one username from one address, attempts from
    there must wait (accounts/throttle.py), with 429 and Retry-After."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request, next_url, settings.LOGIN_REDIRECT_URL))
    status = 200
    wait: int | None = None
    if request.method == "POST":
        form = LoginForm(request.POST)
        if form.is_valid():
            username = form.cleaned_data["username"].strip()
            address = throttle.client_address(request)
            wait = throttle.retry_after(username, address)
            if wait:
                form.add_error(None, _wait_message(wait))
                status = 429
            else:
                user = authenticate(
                    request, username=username, password=form.cleaned_data["password"]
                )
                if user is None:
                    throttle.record_failure(username, address)
                    form.add_error(None, _("Wrong username or password."))
                else:
                    throttle.clear(username, address)
                    login(request, user)
                    return redirect(safe_next(request, next_url, settings.LOGIN_REDIRECT_URL))
    else:
        form = LoginForm(initial={"next": next_url})
    response = render_page(request, "accounts/login.html", {"form": form}, status=status)
    if wait:
        response["Retry-After"] = str(wait)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only, so a link or image on another site cannot sign anyone out)."""
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: on the user when signed in, and in the cookie so the
    choice also holds on the sign-in page and for anonymous visitors."""
    code = request.POST.get("language", "")
    target = safe_next(request, request.POST.get("next") or request.META.get("HTTP_REFERER"), "/")
    response = HttpResponseRedirect(target)
    if code not in language_codes():
        return response
    user = request.user
    if user.is_authenticated and user.language != code:
        try:
            services.update_user(
                actor=user, user=_fresh(user), expected_version=None, language=code
            )
        except DomainError:
            pass  # a concurrent edit of the user: the cookie below still switches the page
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _profile_page(
    request: HttpRequest,
    *,
    profile_form: Form | None = None,
    password_form: Form | None = None,
    token_form: Form | None = None,
    new_token: ApiToken | None = None,
    new_secret: str | None = None,
    status: int = 200,
    stale: Stale | None = None,
) -> HttpResponse:
    user = signed_in(request)
    context = {
        "profile_form": profile_form or ProfileForm(initial=profile_initial(user)),
        "password_form": password_form or PasswordChangeForm(),
        "token_form": token_form or TokenForm(),
        "tokens": list(active_tokens(user)),
        "new_token": new_token,
        "new_secret": new_secret,
        "role_name": role_label(user.role) if user.role_id else "",
        "stale": stale,
    }
    return render_page(request, "accounts/profile.html", context, status=status)


def _profile_values(data: dict[str, Any]) -> dict[str, Any]:
    """update_user's arguments from the profile form (None: a field it refused, unchanged)."""
    names = ("first_name", "last_name", "email", "language", "time_zone")
    return {name: data.get(name) for name in names}


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own details, password and API tokens."""
    me = _fresh(request.user)

    def save(form: ProfileForm, user: User, version: int | None) -> User:
        values = _profile_values(form.cleaned_data)
        return services.update_user(
            actor=request.user, user=user, expected_version=version, **values
        )

    def page(
        request: HttpRequest, form: ProfileForm, _user: User, *, status: int, stale: Stale | None
    ) -> HttpResponse:
        return _profile_page(request, profile_form=form, status=status, stale=stale)

    def saved(_user: User) -> HttpResponse:
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")

    return versioned_edit(
        request,
        me,
        form=lambda user, data: ProfileForm(data, initial=profile_initial(user)),
        load=lambda: User.objects.select_related("role").filter(pk=me.pk).first(),
        save=save,
        check=lambda form, user: save(form, user, None),
        page=page,
        saved=saved,
    )


@login_required
@require_POST
def change_password(request: HttpRequest) -> HttpResponse:
    """Change one's own password; the session stays signed in, other sessions end."""
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        user = _fresh(request.user)
        try:
            services.set_password(
                actor=user,
                user=user,
                password=form.cleaned_data["new_password1"],
                current_password=form.cleaned_data["current_password"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc, {"password": "new_password1"})
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            return redirect("accounts:profile")
    return _profile_page(request, password_form=form)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Issue a token and show its secret in this response only (it is never stored)."""
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, secret = services.issue_token(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            response = _profile_page(request, new_token=token, new_secret=secret)
            response["Cache-Control"] = "no-store"
            return response
    return _profile_page(request, token_form=form)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a token: one's own, or anyone's for administrators. Others' tokens are 404."""
    tokens = ApiToken.objects.all()
    me = signed_in(request)
    if not me.is_administrator:
        tokens = tokens.filter(user=me)
    token = tokens.filter(pk=pk).first()
    if token is None:
        raise Http404
    try:
        services.revoke_token(actor=me, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect(safe_next(request, request.POST.get("next"), reverse("accounts:profile")))
