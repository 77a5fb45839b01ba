from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.accounts.factories import make_team, make_user
from vinculo.accounts.models import Role, Team
from vinculo.core.errors import StaleVersion

TEAMS = reverse("accounts:teams")
ROLES = reverse("accounts:roles")


def _role_data(role: Role, **changes):
    data = {
        "read_scope": role.read_scope,
        "write_scope": role.write_scope,
        "version": role.version,
    }
    for flag in (
        "can_log_on_readable",
        "can_reassign",
        "can_use_analytics",
        "can_manage_settings",
        "can_manage_catalogue",
    ):
        if getattr(role, flag):
            data[flag] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_teams_list_shows_member_counts_in_few_queries(
    client, admin, owner, teammate, django_assert_max_num_queries
):
    for n in range(10):
        make_team(f"Region {n}")
    client.force_login(admin)
    with django_assert_max_num_queries(5):
        response = client.get(TEAMS)
    html = response.content.decode()
    assert "Sales South" in html and "Region 9" in html
    south = next(t for t in response.context["page"].items if t.name == "Sales South")
    assert south.member_count == 2


def test_create_rename_change_members_and_delete_a_team(client, admin, owner, outsider):
    client.force_login(admin)
    response = client.post(
        reverse("accounts:team_create"), {"name": "Key accounts", "members": [owner.pk]}
    )
    assert response.status_code == 302
    team = Team.objects.get(name="Key accounts")
    assert list(team.members.all()) == [owner]
    url = reverse("accounts:team_edit", args=[team.pk])
    response = client.post(
        url, {"name": "Key Accounts BR", "members": [owner.pk, outsider.pk], "version": 1}
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "Key Accounts BR" and team.members.count() == 2
    response = client.post(reverse("accounts:team_delete", args=[team.pk]), {"version": 1})
    assert response.status_code == 302 and response.url == url  # stale: refused
    assert Team.objects.filter(pk=team.pk).exists()
    response = client.post(reverse("accounts:team_delete", args=[team.pk]), {"version": 2})
    assert response.url == TEAMS and not Team.objects.filter(pk=team.pk).exists()


def test_duplicate_team_name_is_a_field_error(client, admin, team):
    client.force_login(admin)
    response = client.post(reverse("accounts:team_create"), {"name": "SALES south"})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert Team.objects.count() == 1


def test_stale_team_save_shows_current_values(client, admin, team, owner):
    client.force_login(admin)
    url = reverse("accounts:team_edit", args=[team.pk])
    other = Client()
    other.force_login(make_user("administrator"))
    other.post(url, {"name": "Renamed", "members": [owner.pk], "version": 1})
    response = client.post(url, {"name": "Mine", "members": [], "version": 1})
    html = response.content.decode()
    assert str(StaleVersion.title) in html and 'value="Renamed"' in html
    assert Team.objects.get(pk=team.pk).name == "Renamed"
    assert Team.objects.get(pk=team.pk).members.count() == 1


def test_a_stale_team_save_answers_409_and_keeps_what_was_typed(client, admin, team, owner):
    client.force_login(admin)
    url = reverse("accounts:team_edit", args=[team.pk])
    other = Client()
    other.force_login(make_user("administrator"))
    other.post(url, {"name": "Renamed", "members": [owner.pk], "version": 1})
    mine = make_user("sales", username="ines", first_name="Inês")
    response = client.post(url, {"name": "Mine", "members": [mine.pk], "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert str(StaleVersion.title) in html
    notice = html[html.index('id="stale-notice"') : html.index("</dl>")]
    assert "<dt>Name</dt><dd>Mine</dd>" in notice
    assert "<dt>Members</dt><dd>Inês (ines)</dd>" in notice
    assert 'value="Renamed"' in html and 'name="version" value="2"' in html
    assert list(Team.objects.get(pk=team.pk).members.all()) == [owner]


def test_a_stale_role_save_names_the_flags_typed(client, admin):
    client.force_login(admin)
    role = Role.objects.get(code="sales")
    url = reverse("accounts:role_edit", args=[role.pk])
    stale = _role_data(role, read_scope="all", can_use_analytics="on")
    client.post(url, _role_data(role, read_scope="own"))
    response = client.post(url, stale)
    assert response.status_code == 409
    html = response.content.decode()
    notice = html[html.index('id="stale-notice"') : html.index("</dl>")]
    assert "<dt>Reads</dt><dd>all records</dd>" in notice
    assert "<dt>Uses analytics</dt><dd>Yes</dd>" in notice
    assert "Writes" not in notice  # typed as stored: nothing to tell


def test_roles_page_lists_the_seven_roles(client, admin, owner):
    client.force_login(admin)
    response = client.get(ROLES)
    labels = [label for _role, label in response.context["rows"]]
    assert labels == [
        "Administrator",
        "Manager",
        "Sales",
        "Service",
        "Marketing",
        "Analyst",
        "Read-only",
    ]
    sales = next(r for r, _label in response.context["rows"] if r.code == "sales")
    assert sales.user_count == 1


def test_admin_changes_a_roles_scopes_and_flags(client, admin):
    client.force_login(admin)
    role = Role.objects.get(code="marketing")
    url = reverse("accounts:role_edit", args=[role.pk])
    response = client.post(url, _role_data(role, write_scope="own", can_use_analytics="on"))
    assert response.status_code == 302 and response.url == ROLES
    role.refresh_from_db()
    assert role.write_scope == "own" and role.can_use_analytics and role.version == 2


def test_administrator_role_cannot_drop_settings(client, admin):
    client.force_login(admin)
    role = Role.objects.get(code="administrator")
    data = _role_data(role)
    del data["can_manage_settings"]
    response = client.post(reverse("accounts:role_edit", args=[role.pk]), data)
    assert response.status_code == 422
    assert "can_manage_settings" in response.context["form"].errors
    assert Role.objects.get(pk=role.pk).can_manage_settings
    assert client.get(reverse("accounts:settings")).status_code == 200


def test_stale_role_save_is_refused(client, admin):
    client.force_login(admin)
    role = Role.objects.get(code="sales")
    url = reverse("accounts:role_edit", args=[role.pk])
    stale = _role_data(role, read_scope="all")
    client.post(url, _role_data(role, read_scope="own"))
    response = client.post(url, stale)
    assert str(StaleVersion.title) in response.content.decode()
    assert Role.objects.get(pk=role.pk).read_scope == "own"
    assert response.context["form"]["read_scope"].value() == "own"
