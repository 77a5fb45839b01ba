from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD, make_token
from vinculo.accounts.models import ApiToken, User
from vinculo.core.errors import StaleVersion

PROFILE = reverse("accounts:profile")
NEW_PASSWORD = "quartz lantern meadow 97"


def _profile_data(user, **changes):
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "time_zone": user.time_zone,
        "version": user.version,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "url",
    [
        PROFILE,
        reverse("accounts:password"),
        reverse("accounts:token_create"),
        reverse("accounts:token_revoke", args=[1]),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, url):
    response = client.post(url) if url != PROFILE else client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")


def test_profile_shows_the_users_details(client, owner):
    client.force_login(owner)
    html = client.get(PROFILE).content.decode()
    assert 'value="owner' not in html  # username is not an editable field
    assert f'value="{owner.first_name}"' in html
    assert 'name="version" value="1"' in html
    assert '<label for="id_time_zone">' in html


def test_profile_saves_name_language_and_time_zone(client, owner):
    client.force_login(owner)
    response = client.post(
        PROFILE,
        _profile_data(owner, first_name="Olga", language="en", time_zone="America/Manaus"),
    )
    assert response.status_code == 302
    user = User.objects.get(pk=owner.pk)
    assert (user.first_name, user.language, user.time_zone) == ("Olga", "en", "America/Manaus")
    assert user.version == 2
    page = client.get(PROFILE)
    assert page["Content-Language"] == "en"


def test_profile_errors_are_shown_field_by_field(client, owner):
    client.force_login(owner)
    response = client.post(
        PROFILE, _profile_data(owner, email="not-an-email", time_zone="Mars/Olympus")
    )
    assert response.status_code == 422
    form = response.context["profile_form"]
    assert set(form.errors) == {"email", "time_zone"}
    assert User.objects.get(pk=owner.pk).version == 1


def test_a_taken_email_shows_with_the_forms_own_errors(client, owner, admin):
    User.objects.filter(pk=admin.pk).update(email="admin@example.com")
    client.force_login(owner)
    response = client.post(
        PROFILE, _profile_data(owner, email="Admin@example.com", time_zone="Mars/Olympus")
    )
    assert response.status_code == 422
    errors = response.context["profile_form"].errors
    assert set(errors) == {"email", "time_zone"}
    assert errors["email"] == ["Another user already has this email."]


def test_stale_profile_save_shows_current_values_and_saves_nothing(client, owner, admin):
    client.force_login(owner)
    stale = _profile_data(owner, first_name="Mine")
    other = User.objects.get(pk=owner.pk)
    other.first_name = "Theirs"
    from vinculo.accounts.services import update_user

    update_user(actor=admin, user=other, expected_version=1, first_name="Theirs")
    response = client.post(PROFILE, stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert str(StaleVersion.title) in html
    assert 'value="Theirs"' in html and 'name="version" value="2"' in html
    assert User.objects.get(pk=owner.pk).first_name == "Theirs"


def test_password_change_keeps_the_session_and_new_password_works(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:password"),
        {
            "current_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get(PROFILE).status_code == 200  # still signed in
    assert User.objects.get(pk=owner.pk).check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"current_password": "wrong", "new_password1": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD, "new_password2": NEW_PASSWORD + "x"}, "new_password2"),
        ({"current_password": PASSWORD, "new_password1": "1234", "new_password2": "1234"}, None),
    ],
)
def test_password_change_errors(client, owner, data, field):
    client.force_login(owner)
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, **data}
    response = client.post(reverse("accounts:password"), data)
    assert response.status_code == 200
    errors = response.context["password_form"].errors
    assert (field or "new_password1") in errors
    assert User.objects.get(pk=owner.pk).check_password(PASSWORD)


def test_new_token_secret_is_shown_once(client, owner):
    client.force_login(owner)
    response = client.post(reverse("accounts:token_create"), {"name": "Sync", "scope": "read"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    secret = response.context["new_secret"]
    html = response.content.decode()
    assert f'value="{secret}"' in html and "shown only this once" in html
    again = client.get(PROFILE).content.decode()
    assert secret not in again
    token = ApiToken.objects.get(user=owner)
    assert token.hint in again and "Sync" in again and "Never" in again
    assert ApiToken.authenticate(secret).user == owner
    assert "Never" not in client.get(PROFILE).content.decode()  # last use is shown


def test_token_form_errors(client, owner):
    client.force_login(owner)
    response = client.post(reverse("accounts:token_create"), {"name": "", "scope": "root"})
    assert set(response.context["token_form"].errors) == {"name", "scope"}
    assert not ApiToken.objects.exists()


def test_users_see_and_revoke_only_their_own_tokens(client, owner, teammate):
    mine = make_token(owner)
    theirs_secret = make_token(teammate)
    theirs = ApiToken.authenticate(theirs_secret)
    client.force_login(owner)
    html = client.get(PROFILE).content.decode()
    assert theirs.hint not in html
    response = client.post(reverse("accounts:token_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    assert ApiToken.authenticate(theirs_secret) is not None
    own = ApiToken.authenticate(mine)
    response = client.post(reverse("accounts:token_revoke", args=[own.pk]), {"next": PROFILE})
    assert response.url == PROFILE
    assert ApiToken.authenticate(mine) is None
    assert own.hint not in client.get(PROFILE).content.decode()


def test_admin_revokes_anyones_token(client, admin, owner):
    secret = make_token(owner)
    token = ApiToken.authenticate(secret)
    client.force_login(admin)
    next_url = reverse("accounts:user_edit", args=[owner.pk])
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]), {"next": next_url})
    assert response.url == next_url
    assert ApiToken.authenticate(secret) is None


def test_user_name_is_escaped(client, owner):
    owner.first_name = "<script>alert(1)</script>"
    owner.save(update_fields=["first_name"])
    client.force_login(owner)
    html = client.get(PROFILE).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_token_section_links_the_api_docs(client, owner):
    client.force_login(owner)
    html = client.get(reverse("accounts:profile")).content.decode()
    section = html[html.index('id="tokens"') :]
    assert '<a href="/api/v1/docs">API documentation</a>' in section
    assert client.get("/api/v1/docs").status_code == 200
