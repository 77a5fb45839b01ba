"""Who may open the administrators' settings pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.factories import make_user
from vinculo.accounts.models import Role, Team, User
from vinculo.customers.models import CustomFieldDefinition


@pytest.fixture
def targets(owner, team):
    field = CustomFieldDefinition.objects.create(key="size", label="Size", field_type="text")
    role = Role.objects.get(code="sales")
    return {
        "settings": [],
        "users": [],
        "user_create": [],
        "user_edit": [owner.pk],
        "teams": [],
        "team_create": [],
        "team_edit": [team.pk],
        "roles": [],
        "role_edit": [role.pk],
        "customers:custom_fields": [],
        "customers:custom_field_create": [],
        "customers:custom_field_edit": [field.pk],
        "pages:outbox": [],
    }


PAGES = [
    "settings",
    "users",
    "user_create",
    "user_edit",
    "teams",
    "team_create",
    "team_edit",
    "roles",
    "role_edit",
    # Pages other apps add to the settings (through the settings sections registry).
    "customers:custom_fields",
    "customers:custom_field_create",
    "customers:custom_field_edit",
    "pages:outbox",
]


def _url(name: str, targets: dict) -> str:
    full = name if ":" in name else f"accounts:{name}"
    return reverse(full, args=targets[name])


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_goes_to_sign_in(client, targets, name):
    url = _url(name, targets)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["owner", "teammate", "outsider", "manager"])
def test_non_administrators_are_refused(client, targets, name, who, request):
    user = make_user("manager") if who == "manager" else request.getfixturevalue(who)
    client.force_login(user)
    url = _url(name, targets)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "x", "label": "x", "key": "x"}).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_administrators_open_every_page(client, admin, targets, name):
    client.force_login(admin)
    response = client.get(_url(name, targets))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("accounts:settings")}" aria-current="page"' in html


def test_non_admin_posts_change_nothing(client, owner, teammate, team):
    field = CustomFieldDefinition.objects.create(key="size", label="Size", field_type="text")
    client.force_login(teammate)
    password_url = reverse("accounts:user_password", args=[owner.pk])
    data = {"new_password1": "quartz lantern 97", "new_password2": "quartz lantern 97"}
    assert client.post(password_url, data).status_code == 403
    delete_url = reverse("accounts:team_delete", args=[team.pk])
    assert client.post(delete_url, {"version": 1}).status_code == 403
    field_url = reverse("customers:custom_field_delete", args=[field.pk])
    assert client.post(field_url, {"version": 1}).status_code == 403
    assert Team.objects.filter(pk=team.pk).exists()
    assert CustomFieldDefinition.objects.filter(pk=field.pk).exists()
    assert not User.objects.get(pk=owner.pk).check_password("quartz lantern 97")


def test_settings_link_only_for_administrators(client, owner, admin):
    client.force_login(owner)
    link = f'href="{reverse("accounts:settings")}"'
    assert link not in client.get(reverse("accounts:profile")).content.decode()
    client.force_login(admin)
    assert link in client.get(reverse("accounts:profile")).content.decode()
