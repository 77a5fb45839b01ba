from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

from vinculo.accounts.models import User
from vinculo.core.models import AuditEntry

SET_LANGUAGE = reverse("accounts:set_language")
LOGIN = reverse("accounts:login")


def test_footer_form_posts_to_the_accounts_view(client, db):
    html = client.get(LOGIN).content.decode()
    assert f'action="{SET_LANGUAGE}"' in html
    assert '<select id="language-select" name="language"' in html
    assert 'value="es"' in html and "español" in html.lower()


def test_anonymous_choice_goes_in_the_cookie(client, db):
    response = client.post(SET_LANGUAGE, {"language": "es", "next": LOGIN})
    assert response.status_code == 302 and response.url == LOGIN
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get(LOGIN)
    assert page["Content-Language"] == "es"
    assert '<html lang="es">' in page.content.decode()


def test_signed_in_choice_is_stored_on_the_user_and_cookie(client, owner):
    client.force_login(owner)
    profile = reverse("accounts:profile")
    response = client.post(SET_LANGUAGE, {"language": "en", "next": profile})
    assert response.url == profile
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert User.objects.get(pk=owner.pk).language == "en"
    entry = AuditEntry.objects.filter(model="accounts.user", object_id=str(owner.pk)).last()
    assert entry.changes == {"language": ["", "en"]} and entry.via == "web"
    # The stored choice wins over the browser and follows the user to a new device.
    other = Client(HTTP_ACCEPT_LANGUAGE="es")
    other.force_login(User.objects.get(pk=owner.pk))
    assert other.get(profile)["Content-Language"] == "en"


def test_unknown_language_changes_nothing(client, owner):
    client.force_login(owner)
    response = client.post(SET_LANGUAGE, {"language": "klingon", "next": "/accounts/profile/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert User.objects.get(pk=owner.pk).language == ""


def test_foreign_next_is_not_followed(client, db):
    response = client.post(SET_LANGUAGE, {"language": "en", "next": "https://evil.example/"})
    assert response.url == "/"
    response = client.post(SET_LANGUAGE, {"language": "en", "next": "//evil.example/x"})
    assert response.url == "/"


def test_needs_post_with_csrf(db):
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(SET_LANGUAGE).status_code == 405
    response = strict.post(SET_LANGUAGE, {"language": "en"})
    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
