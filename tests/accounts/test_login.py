from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.accounts.factories import PASSWORD
from vinculo.accounts.models import LoginFailure
from vinculo.accounts.throttle import pair_delay

LOGIN = reverse("accounts:login")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _login(client, username, password, address="10.0.0.1", **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR=address
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_is_narrow_and_labelled(client, db):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<main id="main" class="narrow">' in html
    assert '<label for="id_username">' in html and '<label for="id_password">' in html


def test_correct_password_signs_in_and_goes_to_customers(client, owner):
    response = _login(client, "owner", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("pages:home")
    assert _signed_in(client)


def test_safe_next_is_followed_and_foreign_next_ignored(client, owner):
    response = _login(client, "owner", PASSWORD, next="/accounts/profile/")
    assert response.url == "/accounts/profile/"
    client.post(reverse("accounts:logout"))
    response = _login(client, "owner", PASSWORD, next="https://evil.example/steal")
    assert response.url == reverse("pages:home")


def test_wrong_password_shows_one_message_and_is_counted(client, owner):
    response = _login(client, "owner", "nope")
    assert response.status_code == 200 and not _signed_in(client)
    assert "Wrong username or password." in response.content.decode()
    assert LoginFailure.objects.filter(username="owner", ip_address="10.0.0.1").count() == 1


def test_inactive_user_cannot_sign_in(client, owner):
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert _login(client, "owner", PASSWORD).status_code == 200
    assert not _signed_in(client)


def test_failures_up_to_the_limit_cost_nothing_then_delays_double(client, owner, settings):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
            assert _login(client, "OWNER ", "nope").status_code == 200
        assert _login(client, "owner", "nope").status_code == 200  # the limit-th failure
        waits = []
        for _ in range(4):
            response = _login(client, "owner", PASSWORD)
            assert response.status_code == 429 and not _signed_in(client)
            waits.append(int(response["Retry-After"]))
            traveller.shift(dt.timedelta(seconds=waits[-1]))
            assert _login(client, "owner", "still wrong").status_code == 200
        assert waits == [2, 4, 8, 16]
        response = _login(client, "owner", PASSWORD)
        assert response.status_code == 429 and response["Retry-After"] == "32"
        assert "Try again in 32 seconds." in response.content.decode()
        traveller.shift(dt.timedelta(seconds=31))
        assert _login(client, "owner", PASSWORD)["Retry-After"] == "1"
        traveller.shift(dt.timedelta(seconds=1))
        assert _login(client, "owner", PASSWORD).status_code == 302 and _signed_in(client)


def test_delays_stop_growing_at_the_window(client, owner, settings):
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    assert [pair_delay(n) for n in (0, 4, 5, 6, 13, 14, 40, 10**6)] == [
        0,
        0,
        2,
        4,
        512,
        900,
        900,
        900,
    ]
    waits = []
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            _login(client, "owner", "nope")
        for _ in range(9):
            response = _login(client, "owner", PASSWORD)
            waits.append(int(response["Retry-After"]))
            if waits[-1] >= 60:
                minutes = -(-waits[-1] // 60)
                assert f"Try again in {minutes} minutes." in response.content.decode()
            traveller.shift(dt.timedelta(seconds=waits[-1]))
            _login(client, "owner", "nope")
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512]


def test_refused_attempts_do_not_extend_the_wait(client, owner, settings):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            _login(client, "owner", "nope")
        for _ in range(5):
            assert _login(client, "owner", "still guessing").status_code == 429
        assert LoginFailure.objects.filter(username="owner").count() == 5
        traveller.shift(dt.timedelta(seconds=2))
        assert _login(client, "owner", PASSWORD).status_code == 302


def test_wrong_passwords_for_other_usernames_do_not_lock_a_user_out(
    client, owner, teammate, settings
):
    """The defect: five wrong passwords for any usernames from one address (an office behind
    one NAT) answered 429 to everyone there, even with the right password."""
    with time_machine.travel(START, tick=False):
        for n in range(settings.LOGIN_FAILURE_LIMIT):
            _login(client, f"guess{n}", "nope", address="203.0.113.9")
        assert _login(client, "teammate", PASSWORD, address="203.0.113.9").status_code == 302


def test_a_delayed_pair_leaves_other_addresses_and_other_users_alone(
    client, owner, teammate, settings
):
    with time_machine.travel(START, tick=False):
        for _ in range(settings.LOGIN_FAILURE_LIMIT + 3):
            _login(client, "owner", "nope", address="203.0.113.9")
        assert _login(client, "owner", PASSWORD, address="203.0.113.9").status_code == 429
        assert _login(client, "owner", PASSWORD, address="198.51.100.7").status_code == 302
        client.post(reverse("accounts:logout"))
        assert _login(client, "teammate", PASSWORD, address="203.0.113.9").status_code == 302


def test_an_address_spraying_usernames_hits_the_ceiling(client, owner, teammate, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    with time_machine.travel(START, tick=False) as traveller:
        for n in range(20):
            assert _login(client, f"guess{n}", "nope", address="203.0.113.9").status_code == 200
        response = _login(client, "teammate", PASSWORD, address="203.0.113.9")
        assert response.status_code == 429 and not _signed_in(client)
        assert response["Retry-After"] == str(settings.LOGIN_FAILURE_WINDOW_SECONDS)
        assert "Try again in 15 minutes." in response.content.decode()
        assert _login(client, "teammate", PASSWORD, address="198.51.100.7").status_code == 302
        client.post(reverse("accounts:logout"))
        traveller.shift(dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS))
        assert _login(client, "teammate", PASSWORD, address="203.0.113.9").status_code == 302


def test_success_clears_that_pairs_failures_only(client, owner, settings):
    with time_machine.travel(START, tick=False):
        for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
            _login(client, "owner", "nope")
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            _login(client, "owner", "nope", address="10.0.0.2")
        assert _login(client, "owner", PASSWORD).status_code == 302
        client.post(reverse("accounts:logout"))
        assert not LoginFailure.objects.filter(ip_address="10.0.0.1").exists()
        # Whoever guesses from 10.0.0.2 still waits.
        assert _login(client, "owner", PASSWORD, address="10.0.0.2").status_code == 429


def test_old_failures_are_purged(client, owner, settings):
    with time_machine.travel(START, tick=False) as traveller:
        _login(client, "owner", "nope")
        traveller.shift(dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1))
        _login(client, "someone", "nope")
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["someone"]


def test_wait_message_goes_through_plural_translation(client, owner, settings, monkeypatch):
    from vinculo.accounts import views

    calls = []

    def fake_ngettext(singular, plural, n):
        calls.append((singular, plural, n))
        return "Tente novamente em %(n)d segundos."

    monkeypatch.setattr(views, "ngettext", fake_ngettext)
    with time_machine.travel(START, tick=False):
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            _login(client, "owner", "nope")
        response = client.post(
            LOGIN,
            {"username": "owner", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.1",
            HTTP_ACCEPT_LANGUAGE="pt-BR",
        )
    assert response.status_code == 429 and response["Content-Language"] == "pt-br"
    assert "Tente novamente em 2 segundos." in response.content.decode()
    assert calls[0][2] == 2 and "%(n)d seconds" in calls[0][1]


def test_signed_in_user_visiting_login_is_sent_on(client, owner):
    client.force_login(owner)
    assert client.get(LOGIN).url == reverse("pages:home")


def test_logout_needs_post(client, owner):
    client.force_login(owner)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert _signed_in(client)
    response = client.post(reverse("accounts:logout"))
    assert response.url == LOGIN and not _signed_in(client)


@pytest.mark.parametrize("username", ["", "x" * 151])
def test_malformed_input_is_a_form_error(client, db, username):
    response = _login(client, username, "whatever")
    assert response.status_code == 200 and not LoginFailure.objects.exists()
