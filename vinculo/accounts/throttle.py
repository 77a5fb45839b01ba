"""Throttling of failed sign-ins: growing delays per (username, address), a ceiling per address.

Failures are rows in `LoginFailure`, forgotten after `LOGIN_FAILURE_WINDOW_SECONDS`.

- Per (username, address) pair: the first `LOGIN_FAILURE_LIMIT` failures inside the window
  cost nothing; after that each attempt must wait 2, 4, 8, … seconds after the pair's last
  failure (at most the window). Guessing one password from one place slows to a crawl,
  while the same user from another address, or another user from the same address (a whole
  office behind one NAT or proxy), can still sign in at once.
- Per address: once `LOGIN_ADDRESS_FAILURE_LIMIT` failures (any usernames) fall inside the
  window, the address is refused until the oldest of them leaves it. The ceiling is far above
  what people mistyping passwords reach; it stops one address spraying many usernames.

Refused attempts are not recorded, so a wait ends on time instead of being extended by
whoever keeps trying. Behind a reverse proxy, set `VINCULO_TRUSTED_PROXY_HEADER` so the
client's address is counted, not the proxy's (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from vinculo.accounts.models import LoginFailure

USERNAME_MAX = 150
# Rows read for one pair: enough to reach the longest delay, however long the window.
_PAIR_ROWS_MAX = 64


def normalize_username(username: str) -> str:
    """The key failures are counted under: case and surrounding spaces do not dodge the limit."""
    return (username or "").strip().lower()[:USERNAME_MAX]


def _parse_address(value: str) -> str | None:
    """An IP address from a header or REMOTE_ADDR entry ("[2001:db8::1]:443" and
    "203.0.113.9:5123" forms included), normalised; None when it is not one."""
    value = value.strip()
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's address: the peer (REMOTE_ADDR), or, when a trusted proxy header is
    configured, the entry that the outermost trusted proxy wrote into it.

    With N trusted hops, each proxy appends the address it received the request from, so the
    client's address is the N-th entry from the right; entries further left were written by
    the client itself and prove nothing. Without the setting the header is ignored: any
    client could forge it.
    """
    header = settings.VINCULO_TRUSTED_PROXY_HEADER
    if header:
        raw = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        entries = [e for e in raw.split(",") if e.strip()]
        if entries:
            hops = max(1, settings.VINCULO_TRUSTED_PROXY_HOPS)
            # Fewer entries than hops: the outer proxies were bypassed; the leftmost entry
            # was still written by a trusted one.
            forwarded = _parse_address(entries[-hops] if len(entries) >= hops else entries[0])
            if forwarded:
                return forwarded
    return _parse_address(request.META.get("REMOTE_ADDR") or "")  # None: e.g. a Unix socket


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def pair_delay(failures: int) -> int:
    """Seconds to wait after the last failure of a pair that has `failures` in the window:
    0 up to the limit, then 2, 4, 8, … capped at the window."""
    over = failures - max(1, settings.LOGIN_FAILURE_LIMIT)
    if over < 0:
        return 0
    cap = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS)
    return int(min(cap, 2 ** min(over + 1, 62)))


def retry_after(username: str, address: str | None) -> int | None:
    """Seconds until this username may be tried from this address, or None when allowed.

    Two indexed reads: the pair's newest failures (bounded), and the address's
    ceiling-th newest failure; no COUNT over the table.
    """
    now = timezone.now()
    start = now - _window()
    unlock_at: dt.datetime | None = None
    pair = list(
        LoginFailure.objects.filter(
            username=normalize_username(username), ip_address=address, at__gte=start
        )
        .order_by("-at")
        .values_list("at", flat=True)[:_PAIR_ROWS_MAX]
    )
    delay = pair_delay(len(pair))
    if delay:
        unlock_at = pair[0] + dt.timedelta(seconds=delay)
    if address:
        ceiling = max(1, settings.LOGIN_ADDRESS_FAILURE_LIMIT)
        nth = (
            LoginFailure.objects.filter(ip_address=address, at__gte=start)
            .order_by("-at")
            .values_list("at", flat=True)[ceiling - 1 : ceiling]
        )
        for at in nth:
            if unlock_at is None or at + _window() > unlock_at:
                unlock_at = at + _window()
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


def clear(username: str, address: str | None) -> None:
    """A successful sign-in forgets the failures of that (username, address) pair only:
    someone guessing the same username elsewhere keeps their delays."""
    LoginFailure.objects.filter(username=normalize_username(username), ip_address=address).delete()


def clear_username(username: str) -> None:
    """Forget every failure of a username (its password was just reset by email)."""
    LoginFailure.objects.filter(username=normalize_username(username)).delete()
