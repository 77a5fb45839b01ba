"""Throttling of failed sign-ins, per username and per client address.

Failures are rows in `LoginFailure`. Once `LOGIN_FAILURE_LIMIT` failures for the same
username (or from the same address) fall inside the last `LOGIN_FAILURE_WINDOW_SECONDS`,
every attempt is refused, even with the right password, until the oldest of those
failures leaves the window. Refused attempts are not recorded, so a lock ends on time
instead of being extended forever by whoever keeps guessing.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from vinculo.accounts.models import LoginFailure

USERNAME_MAX = 150


def normalize_username(username: str) -> str:
    """The key failures are counted under: case and surrounding spaces do not dodge the limit."""
    return (username or "").strip().lower()[:USERNAME_MAX]


def client_address(request: HttpRequest) -> str | None:
    """The peer address. Forwarded-for headers are not trusted: any client can forge them."""
    address = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None  # e.g. served over a Unix socket: count by username only


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def retry_after(username: str, address: str | None) -> int | None:
    """Seconds until a sign-in may be tried again, or None when attempts are allowed.

    Reads at most one row per key through the (username, at) / (ip, at) indexes: the
    limit-th newest failure inside the window; no COUNT over the table.
    """
    limit = max(1, settings.LOGIN_FAILURE_LIMIT)
    now = timezone.now()
    start = now - _window()
    keys = [Q(username=normalize_username(username))]
    if address:
        keys.append(Q(ip_address=address))
    unlock_at: dt.datetime | None = None
    for key in keys:
        nth = (
            LoginFailure.objects.filter(key, at__gte=start)
            .order_by("-at")
            .values_list("at", flat=True)[limit - 1 : limit]
        )
        for at in nth:
            candidate = at + _window()
            if unlock_at is None or candidate > unlock_at:
                unlock_at = candidate
    if unlock_at is None or unlock_at <= now:
        return None
    return max(1, math.ceil((unlock_at - now).total_seconds()))


def retry_after_minutes(seconds: int) -> int:
    """Whole minutes to tell the user (rounded up, never zero)."""
    return max(1, math.ceil(seconds / 60))


def record_failure(username: str, address: str | None) -> None:
    """Count one failed sign-in; drop failures that have left the window (keeps the table small)."""
    now = timezone.now()
    LoginFailure.objects.filter(at__lt=now - _window()).delete()
    LoginFailure.objects.create(username=normalize_username(username), ip_address=address)


def clear(username: str) -> None:
    """A successful sign-in forgets that username's failures (not the address's)."""
    LoginFailure.objects.filter(username=normalize_username(username)).delete()
