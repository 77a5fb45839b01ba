from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.accounts.factories import make_team, make_token, make_user
from vinculo.accounts.models import ApiToken, Role, User
from vinculo.core.errors import StaleVersion
from vinculo.core.models import AuditEntry

USERS = reverse("accounts:users")
NEW_PASSWORD = "quartz lantern meadow 97"


def _edit_data(user: User, **changes):
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role_id,
        "teams": [t.pk for t in user.teams.all()],
        "language": user.language,
        "time_zone": user.time_zone,
        "version": user.version,
    }
    if user.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_list_shows_role_teams_and_status_in_few_queries(
    client, admin, owner, team, django_assert_max_num_queries
):
    other_team = make_team("Key accounts")
    for n in range(15):
        make_user("service", team=other_team if n % 2 else team, first_name=f"Agent {n:02}")
    make_user("analyst", username="gone", first_name="Gone", is_active=False)
    client.force_login(admin)
    with django_assert_max_num_queries(6):
        response = client.get(USERS)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Agent 14" in html and "Key accounts" in html and "Sales South" in html
    assert "Service" in html and "Inactive" in html


def test_list_pages_with_a_cursor(client, admin):
    for n in range(55):
        make_user("sales", first_name=f"Zed {n:02}")
    client.force_login(admin)
    first = client.get(USERS)
    cursor = first.context["page"].next_cursor
    assert cursor and len(first.context["rows"]) == 50
    second = client.get(USERS, {"cursor": cursor})
    assert len(second.context["rows"]) == 6  # 55 users + the admin, by first name
    assert "Zed 54" in second.content.decode()
    assert client.get(USERS, {"cursor": "garbage"}).status_code == 302


def test_search_filters_and_htmx_gets_the_table_only(client, admin, owner):
    make_user("sales", first_name="Beatriz", email="bia@example.com")
    client.force_login(admin)
    response = client.get(USERS, {"q": "bia@"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="user-table"' in html
    assert "Beatriz" in html and "owner" not in html


def test_names_are_escaped_in_the_list_and_topbar(client, admin):
    evil = '<img src=x onerror="alert(1)">'
    make_user("sales", first_name=evil)
    admin.first_name = "<b>boss</b>"
    admin.save(update_fields=["first_name"])
    client.force_login(admin)
    html = client.get(USERS).content.decode()
    assert evil not in html and "<b>boss</b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "&lt;b&gt;boss&lt;/b&gt;" in html


def test_admin_creates_a_user_who_can_sign_in(client, admin, team):
    client.force_login(admin)
    data = {
        "username": "carla",
        "first_name": "Carla",
        "email": "carla@example.com",
        "role": Role.objects.get(code="service").pk,
        "teams": [team.pk],
        "language": "es",
        "time_zone": "Europe/Madrid",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    response = client.post(reverse("accounts:user_create"), data)
    assert response.status_code == 302 and response.url == USERS
    carla = User.objects.get(username="carla")
    assert carla.role.code == "service" and list(carla.teams.all()) == [team]
    fresh = Client()
    login = fresh.post(reverse("accounts:login"), {"username": "carla", "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_create_errors_are_field_by_field(client, admin, owner):
    client.force_login(admin)
    data = {
        "username": "OWNER",
        "role": Role.objects.get(code="sales").pk,
        "password1": "12345",
        "password2": "12345",
    }
    response = client.post(reverse("accounts:user_create"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"username", "password1"}
    assert 'class="field has-error"' in response.content.decode()
    data.update(username="new", time_zone="Nowhere/Land", password1=NEW_PASSWORD)
    data["password2"] = NEW_PASSWORD
    response = client.post(reverse("accounts:user_create"), data)
    assert set(response.context["form"].errors) == {"time_zone"}
    assert User.objects.filter(username__iexact="owner").count() == 1


def test_a_bad_email_does_not_hide_a_taken_username_or_a_weak_password(client, admin, owner):
    """The form's own checks (email format) and the service's (taken username, password
    rules) are reported together, not one round at a time; nothing is saved."""
    client.force_login(admin)
    data = {
        "username": "owner",
        "email": "not-an-email",
        "role": Role.objects.get(code="sales").pk,
        "password1": "12345",
        "password2": "12345",
    }
    response = client.post(reverse("accounts:user_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"email", "username", "password1"}
    assert errors["username"] == ["This username is taken."]
    assert User.objects.count() == 2
    # A valid rest of the form: the dry run leaves no user behind.
    data.update(username="fresh", password1=NEW_PASSWORD, password2=NEW_PASSWORD)
    response = client.post(reverse("accounts:user_create"), data)
    assert set(response.context["form"].errors) == {"email"}
    assert not User.objects.filter(username="fresh").exists()


def test_admin_edits_role_teams_and_deactivates(client, admin, owner, team):
    other = make_team("Key accounts")
    client.force_login(admin)
    url = reverse("accounts:user_edit", args=[owner.pk])
    data = _edit_data(
        owner, role=Role.objects.get(code="manager").pk, teams=[other.pk], is_active=None
    )
    data.pop("is_active", None)
    response = client.post(url, data)
    assert response.status_code == 302
    user = User.objects.get(pk=owner.pk)
    assert user.role.code == "manager" and list(user.teams.all()) == [other]
    assert user.is_active is False and User.objects.filter(pk=owner.pk).exists()
    entry = AuditEntry.objects.filter(model="accounts.user", object_id=str(owner.pk)).last()
    assert entry.actor == admin and entry.changes["is_active"] == [True, False]
    assert (
        Client().post(reverse("accounts:login"), {"username": "owner", "password": "x"}).status_code
        == 200
    )


def test_stale_edit_shows_current_values_and_saves_nothing(client, admin, owner):
    client.force_login(admin)
    url = reverse("accounts:user_edit", args=[owner.pk])
    stale = _edit_data(owner, first_name="Mine")
    second_admin = Client()
    second_admin.force_login(make_user("administrator"))
    second_admin.post(url, _edit_data(owner, first_name="Theirs"))
    response = client.post(url, stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert str(StaleVersion.title) in html
    assert 'value="Theirs"' in html and 'name="version" value="2"' in html
    assert User.objects.get(pk=owner.pk).first_name == "Theirs"


def test_admin_cannot_lock_themselves_out(client, admin):
    client.force_login(admin)
    url = reverse("accounts:user_edit", args=[admin.pk])
    response = client.post(url, _edit_data(admin, is_active=None))
    assert response.status_code == 422
    assert "is_active" in response.context["form"].errors
    assert User.objects.get(pk=admin.pk).is_active


def test_a_user_edit_shows_the_forms_and_the_services_errors_at_once(client, admin):
    client.force_login(admin)
    url = reverse("accounts:user_edit", args=[admin.pk])
    data = _edit_data(admin, email="not-an-email", is_active=None, first_name="Renamed")
    response = client.post(url, data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["email"] == ["Enter a valid email address."]  # the form's check
    assert errors["is_active"] == ["You cannot deactivate your own account."]  # the service's
    stored = User.objects.get(pk=admin.pk)
    assert stored.is_active and stored.first_name != "Renamed" and stored.version == 1


def test_admin_sets_a_new_password(client, admin, owner):
    client.force_login(admin)
    url = reverse("accounts:user_password", args=[owner.pk])
    response = client.post(url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "new_password1" in response.context["password_form"].errors
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(pk=owner.pk).check_password(NEW_PASSWORD)


def test_user_page_lists_their_tokens_for_revocation(client, admin, owner):
    secret = make_token(owner)
    token = ApiToken.authenticate(secret)
    client.force_login(admin)
    html = client.get(reverse("accounts:user_edit", args=[owner.pk])).content.decode()
    assert token.hint in html
    assert reverse("accounts:token_revoke", args=[token.pk]) in html


def test_user_page_shows_their_history_without_passwords(
    client, admin, owner, team, django_assert_max_num_queries
):
    other = make_team("Key accounts")
    client.force_login(admin)
    url = reverse("accounts:user_edit", args=[owner.pk])
    data = _edit_data(
        owner,
        first_name="<b>Olga</b>",
        role=Role.objects.get(code="manager").pk,
        teams=[other.pk],
    )
    data.pop("is_active")
    assert client.post(url, data).status_code == 302
    password_url = reverse("accounts:user_password", args=[owner.pk])
    client.post(password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    history = page[page.index('id="history"') :]
    assert "updated" in history and str(admin) in history
    assert "Role: <code>Sales</code> → <code>Manager</code>" in history
    assert "Teams: <code>Sales South</code> → <code>Key accounts</code>" in history
    assert "Active: <code>Yes</code> → <code>No</code>" in history
    assert "First name: <code>User" in history
    assert "<code>&lt;b&gt;Olga&lt;/b&gt;</code>" in history and "<b>Olga</b>" not in page
    assert "Password: <code>********</code> → <code>********</code>" in history
    stored = User.objects.get(pk=owner.pk).password
    assert stored.split("$")[-1] not in page and NEW_PASSWORD not in page
