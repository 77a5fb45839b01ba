"""Forgot password: ask for a link by email, then choose a new password through it."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from vinculo.accounts import password_reset, services, throttle
from vinculo.accounts.forms import PasswordResetRequestForm, ResetPasswordForm
from vinculo.accounts.jobs import send_password_reset
from vinculo.core.errors import DomainError
from vinculo.core.web import add_domain_errors, render_page


@require_http_methods(["GET", "POST"])
def password_reset_request(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. Every valid request ends on the same "check your email" page,
    whether or not an account has the address; too many from one client answer 429."""
    status = 200
    wait: int | None = None
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = throttle.client_address(request)
        wait = password_reset.retry_after(address)
        if wait:
            minutes = throttle.retry_after_minutes(wait)
            form.add_error(
                None,
                ngettext(
                    "Too many password reset requests. Try again in %(n)d minute.",
                    "Too many password reset requests. Try again in %(n)d minutes.",
                    minutes,
                )
                % {"n": minutes},
            )
            status = 429
        else:
            email = form.cleaned_data["email"]
            if password_reset.record_request(email, address):
                base_url = f"{request.scheme}://{request.get_host()}"
                for user in password_reset.recipients(email):
                    transaction.on_commit(partial(send_password_reset, user.pk, base_url))
            return redirect("accounts:password_reset_sent")
    response = render_page(
        request, "accounts/password_reset_request.html", {"form": form}, status=status
    )
    if wait:
        response["Retry-After"] = str(wait)
    return response


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    """The same answer for every address."""
    minutes = max(1, settings.PASSWORD_RESET_TIMEOUT // 60)
    return render_page(request, "accounts/password_reset_sent.html", {"minutes": minutes})


class PasswordResetConfirm(PasswordResetConfirmView):
    """Django's checks of the link (the token moves into the session so it never leaks
    through the Referer), then the password is set through accounts.services."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = ResetPasswordForm  # type: ignore[assignment]
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form: Any) -> HttpResponse:
        user = self.user
        assert user is not None  # dispatch() showed the form only for a valid link
        try:
            services.reset_password(user=user, password=form.cleaned_data["new_password1"])
        except DomainError as exc:
            add_domain_errors(form, exc, {"password": "new_password1"})
            return self.form_invalid(form)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        throttle.clear_username(user.username)
        messages.success(self.request, _("Your new password is set. Sign in with it."))
        return HttpResponseRedirect(str(self.success_url))
