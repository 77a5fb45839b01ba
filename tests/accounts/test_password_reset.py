"""Forgot password: a link by email (console/locmem by default, a real SMTP server when
configured), the same answer for every address, throttled, the email in the user's language."""

from __future__ import annotations

import datetime as dt
import email
import email.header
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from tests.accounts.factories import PASSWORD, make_user
from vinculo.accounts.models import LoginFailure, User
from vinculo.core.models import AuditEntry

REQUEST = reverse("accounts:password_reset")
SENT = reverse("accounts:password_reset_sent")
LOGIN = reverse("accounts:login")
NEW_PASSWORD = "a brand new passphrase 77"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LINK = re.compile(r"https?://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def jobs_run_inline() -> Iterator[None]:
    """The email is sent by a Huey job; run it in the test's process."""
    was = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = was


@pytest.fixture
def ana(db):
    return make_user("sales", username="ana", email="Ana@Example.com", first_name="Ana")


def _ask(client, django_capture_on_commit_callbacks, address="Ana@Example.com", ip="10.0.0.1"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(REQUEST, {"email": address}, REMOTE_ADDR=ip)


def _link(message) -> str:
    body = message.body if hasattr(message, "body") else message
    found = LINK.search(body)
    assert found, body
    return found.group(1)


def _set_password(client, link: str, password: str = NEW_PASSWORD):
    page = client.get(link)
    assert page.status_code == 302  # the token moves into the session
    form_url = page.url
    assert "set-password" in form_url
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_the_sign_in_page_links_to_it(client, db):
    html = client.get(LOGIN).content.decode()
    assert f'<a href="{REQUEST}">Forgot your password?</a>' in html
    form = client.get(REQUEST)
    assert form.status_code == 200 and 'name="email"' in form.content.decode()


def test_a_link_is_emailed_and_sets_a_new_password(client, ana, django_capture_on_commit_callbacks):
    response = _ask(client, django_capture_on_commit_callbacks, address=" ana@EXAMPLE.com ")
    assert response.status_code == 302 and response.url == SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Ana@example.com"]
    assert message.subject == "Choose a new Vínculo password"
    assert "“ana”" in message.body and "60 minutes" in message.body

    done = _set_password(client, _link(message))
    assert done.status_code == 302 and done.url == LOGIN
    assert "Your new password is set" in client.get(LOGIN).content.decode()
    ana.refresh_from_db()
    assert ana.check_password(NEW_PASSWORD) and not ana.check_password(PASSWORD)
    entry = AuditEntry.objects.filter(model="accounts.user", object_id=str(ana.pk)).latest("at")
    assert entry.actor_id == ana.pk and entry.changes["password"] == ["********", "********"]
    assert NEW_PASSWORD not in json.dumps(entry.changes)

    # The link works once.
    again = client.get(_link(message), follow=True)
    assert "This link is no longer valid" in again.content.decode()


def test_the_answer_is_the_same_for_unknown_addresses(
    client, ana, django_capture_on_commit_callbacks
):
    known = _ask(client, django_capture_on_commit_callbacks)
    unknown = _ask(client, django_capture_on_commit_callbacks, address="nobody@example.com")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url) == (302, SENT)
    assert len(mail.outbox) == 1
    page = client.get(SENT).content.decode()
    assert "If an account uses that address" in page


def test_inactive_accounts_and_unusable_passwords_get_nothing(
    client, db, django_capture_on_commit_callbacks
):
    make_user("sales", email="gone@example.com", is_active=False)
    sso = make_user("sales", email="sso@example.com")
    sso.set_unusable_password()
    sso.save()
    for address in ("gone@example.com", "sso@example.com"):
        assert _ask(client, django_capture_on_commit_callbacks, address=address).url == SENT
    assert mail.outbox == []


def test_the_email_speaks_the_users_language(
    client, db, django_capture_on_commit_callbacks, monkeypatch
):
    from django.utils import translation

    from vinculo.accounts import password_reset

    make_user("sales", email="lucia@example.com", language="es")
    seen = []
    original = password_reset.render_to_string

    def spy(template, context):
        seen.append((template.rsplit("/", 1)[-1], translation.get_language()))
        return original(template, context)

    monkeypatch.setattr(password_reset, "render_to_string", spy)
    _ask(client, django_capture_on_commit_callbacks, address="lucia@example.com")
    assert seen == [("password_reset_subject.txt", "es"), ("password_reset_body.txt", "es")]
    assert mail.outbox[0].extra_headers["Content-Language"] == "es"


def test_weak_or_mismatched_passwords_change_nothing(
    client, ana, django_capture_on_commit_callbacks
):
    _ask(client, django_capture_on_commit_callbacks)
    form_url = client.get(_link(mail.outbox[0])).url
    mismatch = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": "other"})
    assert "The two passwords are not the same." in mismatch.content.decode()
    weak = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200 and "too common" in weak.content.decode()
    ana.refresh_from_db()
    assert ana.check_password(PASSWORD)


def test_links_expire(client, ana, settings, django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False) as traveller:
        _ask(client, django_capture_on_commit_callbacks)
        traveller.shift(dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
        page = client.get(_link(mail.outbox[0]), follow=True)
    assert "This link is no longer valid" in page.content.decode()


def test_a_reset_clears_the_usernames_sign_in_delays(
    client, ana, settings, django_capture_on_commit_callbacks
):
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 2):
        client.post(LOGIN, {"username": "ana", "password": "nope"}, REMOTE_ADDR="10.0.0.9")
    assert LoginFailure.objects.filter(username="ana").exists()
    _ask(client, django_capture_on_commit_callbacks)
    _set_password(client, _link(mail.outbox[0]))
    assert not LoginFailure.objects.filter(username="ana").exists()
    response = client.post(
        LOGIN, {"username": "ana", "password": NEW_PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302


def test_requests_are_throttled_per_address_and_per_email(
    client, ana, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 5
    settings.PASSWORD_RESET_EMAIL_LIMIT = 2
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(3):
            assert _ask(client, django_capture_on_commit_callbacks).url == SENT
        # The third one for the same email answers alike but sends nothing more.
        assert len(mail.outbox) == 2
        for n in range(2):
            _ask(client, django_capture_on_commit_callbacks, address=f"x{n}@example.com")
        refused = _ask(client, django_capture_on_commit_callbacks, address="y@example.com")
        assert refused.status_code == 429
        assert refused["Retry-After"] == str(settings.PASSWORD_RESET_WINDOW_SECONDS)
        assert "Too many password reset requests. Try again in 60 minutes." in (
            refused.content.decode()
        )
        other = _ask(client, django_capture_on_commit_callbacks, address="z@ex.com", ip="10.0.0.2")
        assert other.url == SENT
        traveller.shift(dt.timedelta(seconds=settings.PASSWORD_RESET_WINDOW_SECONDS))
        assert _ask(client, django_capture_on_commit_callbacks).url == SENT
        assert len(mail.outbox) == 3


def test_malformed_addresses_are_a_form_error(client, db):
    response = client.post(REQUEST, {"email": "not an address"})
    assert response.status_code == 200 and "Enter a valid email address." in (
        response.content.decode()
    )


# --- A real SMTP server (aiosmtpd on 127.0.0.1) when EMAIL_* point at one ------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings) -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "crm@example.com"
    try:
        yield inbox
    finally:
        controller.stop()


def test_the_link_goes_through_a_real_smtp_server(
    client, ana, smtp_server, django_capture_on_commit_callbacks
):
    assert _ask(client, django_capture_on_commit_callbacks).url == SENT
    assert mail.outbox == []  # not the test backend: the SMTP server got it
    (message,) = smtp_server.messages
    assert message["To"] == "Ana@example.com" and message["From"] == "crm@example.com"
    subject = email.header.make_header(email.header.decode_header(message["Subject"]))
    assert str(subject) == "Choose a new Vínculo password"
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    assert _set_password(client, _link(body)).url == LOGIN
    assert User.objects.get(pk=ana.pk).check_password(NEW_PASSWORD)


# --- Which backend the settings choose --------------------------------------------------


def _mail_settings(env: dict[str, str]) -> dict:
    code = (
        "import json, vinculo.settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_USE_TLS', 'DEFAULT_FROM_EMAIL']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DEFAULT_FROM"))}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_mail_goes_to_the_console_until_an_smtp_server_is_configured():
    assert _mail_settings({})["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    configured = _mail_settings(
        {
            "EMAIL_HOST": "smtp.example.com",
            "EMAIL_PORT": "587",
            "EMAIL_USE_TLS": "1",
            "DEFAULT_FROM_EMAIL": "crm@example.com",
        }
    )
    assert configured == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_USE_TLS": True,
        "DEFAULT_FROM_EMAIL": "crm@example.com",
    }
