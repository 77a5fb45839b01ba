from __future__ import annotations

from django.urls import path

from vinculo.accounts import reset_views, settings_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/reset/", reset_views.password_reset_request, name="password_reset"),
    path("password/reset/sent/", reset_views.password_reset_sent, name="password_reset_sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        reset_views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("language/", views.set_language, name="set_language"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.change_password, name="password"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("settings/", settings_views.hub, name="settings"),
    path("settings/users/", settings_views.users, name="users"),
    path("settings/users/new/", settings_views.user_create, name="user_create"),
    path("settings/users/<int:pk>/", settings_views.user_edit, name="user_edit"),
    path("settings/users/<int:pk>/password/", settings_views.user_password, name="user_password"),
    path("settings/teams/", settings_views.teams, name="teams"),
    path("settings/teams/new/", settings_views.team_create, name="team_create"),
    path("settings/teams/<int:pk>/", settings_views.team_edit, name="team_edit"),
    path("settings/teams/<int:pk>/delete/", settings_views.team_delete, name="team_delete"),
    path("settings/roles/", settings_views.roles, name="roles"),
    path("settings/roles/<int:pk>/", settings_views.role_edit, name="role_edit"),
]
