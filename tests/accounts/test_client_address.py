"""Which address sign-in throttling counts: the peer, or the client named by a trusted proxy."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from tests.accounts.factories import PASSWORD
from vinculo.accounts.throttle import client_address

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PROXY = "10.9.9.9"


def _address(settings, remote: str, forwarded: str | None = None, **config) -> str | None:
    settings.VINCULO_TRUSTED_PROXY_HEADER = config.get("header", "")
    settings.VINCULO_TRUSTED_PROXY_HOPS = config.get("hops", 1)
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_forwarded_header_is_ignored_unless_configured(settings):
    assert _address(settings, PROXY, "203.0.113.5") == PROXY


@pytest.mark.parametrize(
    ("forwarded", "hops", "expected"),
    [
        ("203.0.113.5", 1, "203.0.113.5"),
        # The client wrote "6.6.6.6" itself; only the proxy's own entry is believed.
        ("6.6.6.6, 203.0.113.5", 1, "203.0.113.5"),
        # Two proxies (load balancer, then nginx): the client is second from the right.
        ("6.6.6.6, 203.0.113.5, 10.0.0.2", 2, "203.0.113.5"),
        ("203.0.113.5", 2, "203.0.113.5"),
        ("[2001:db8::1]:443", 1, "2001:db8::1"),
        ("2001:DB8::1", 1, "2001:db8::1"),
        ("203.0.113.5:5123", 1, "203.0.113.5"),
        ("not-an-address", 1, PROXY),
        ("", 1, PROXY),
    ],
)
def test_trusted_proxy_header(settings, forwarded, hops, expected):
    assert _address(settings, PROXY, forwarded, header="X-Forwarded-For", hops=hops) == expected


def test_no_peer_address_counts_by_nothing(settings):
    assert _address(settings, "") is None


def test_behind_a_proxy_one_clients_failures_do_not_delay_a_colleague(client, owner, settings):
    """The defect: behind a reverse proxy every client had the proxy's address."""
    settings.VINCULO_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    login = reverse("accounts:login")

    def attempt(forwarded: str, password: str):
        return client.post(
            login,
            {"username": "owner", "password": password},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    with time_machine.travel(START, tick=False):
        for n in range(12):
            attempt(f"1.2.3.{n}, 203.0.113.5", "nope")  # forged left parts change nothing
        assert attempt("203.0.113.5", PASSWORD).status_code == 429
        assert attempt("198.51.100.7", PASSWORD).status_code == 302
