"""Password reset by email: who gets a link, how often one may be asked for, the message.

The answer to a request never says whether an account has the address: every request
(known address or not) is counted and answered alike, and the email is rendered and sent
by a job after the answer, so the time taken says nothing either. Links are Django's
password-reset tokens: they expire after PASSWORD_RESET_TIMEOUT and die as soon as the
password changes (the token is built from the password hash and the last sign-in).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from vinculo.accounts.models import PasswordResetRequest, User

EMAIL_MAX = 254


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()[:EMAIL_MAX]


def _window_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=settings.PASSWORD_RESET_WINDOW_SECONDS)


def retry_after(address: str | None) -> int | None:
    """Seconds until this client address may ask again, or None: the limit-th newest request
    from it inside the window, read through the (ip_address, at) index."""
    if not address:
        return None
    limit = max(1, settings.PASSWORD_RESET_ADDRESS_LIMIT)
    now = timezone.now()
    nth = (
        PasswordResetRequest.objects.filter(ip_address=address, at__gt=_window_start(now))
        .order_by("-at")
        .values_list("at", flat=True)[limit - 1 : limit]
    )
    for at in nth:
        unlock = at + dt.timedelta(seconds=settings.PASSWORD_RESET_WINDOW_SECONDS)
        if unlock > now:
            return max(1, math.ceil((unlock - now).total_seconds()))
    return None


def record_request(email: str, address: str | None) -> bool:
    """Count one request; True when this email address may still be sent a link (at most
    PASSWORD_RESET_EMAIL_LIMIT per window, so nobody can flood someone's mailbox)."""
    now = timezone.now()
    PasswordResetRequest.objects.filter(at__lt=_window_start(now)).delete()
    email = normalize_email(email)
    earlier = PasswordResetRequest.objects.filter(email=email, at__gt=_window_start(now))
    allowed = earlier[: settings.PASSWORD_RESET_EMAIL_LIMIT].count() < max(
        1, settings.PASSWORD_RESET_EMAIL_LIMIT
    )
    PasswordResetRequest.objects.create(email=email, ip_address=address)
    return allowed


def recipients(email: str) -> Iterable[User]:
    """Active accounts with this email and a password they could have forgotten."""
    users = User.objects.filter(email__iexact=normalize_email(email), is_active=True)
    return [u for u in users if u.has_usable_password()]


def reset_path(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:password_reset_confirm", args=[uid, token])


def message(user: User, base_url: str) -> EmailMessage:
    """The email with a one-time link, in the user's language (the site's default when the
    user chose none): subject and body from accounts/email/password_reset_*.txt."""
    language = user.language or settings.LANGUAGE_CODE
    minutes = max(1, settings.PASSWORD_RESET_TIMEOUT // 60)
    context = {
        "user": user,
        "name": user.get_full_name() or user.username,
        "link": base_url.rstrip("/") + reset_path(user),
        "minutes": minutes,
    }
    with translation.override(language):
        subject = render_to_string("accounts/email/password_reset_subject.txt", context)
        body = render_to_string("accounts/email/password_reset_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[user.email],
        headers={"Content-Language": language},
    )
