"""Forms of the accounts pages. They parse input; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from vinculo.accounts.models import ApiToken, Role, Team, User
from vinculo.accounts.queries import role_label, time_zone_choices
from vinculo.core.permissions import Scope


class BaseForm(forms.Form):
    """Labels without a trailing colon, as everywhere else in Vínculo."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class VersionedForm(BaseForm):
    """A form editing a stored record: carries the version it was loaded at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return role_label(obj)


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else obj.username


def _language_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Same as the browser"))] + list(settings.LANGUAGES),
    )


def _time_zone_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=[("", _("Default (%(zone)s)") % {"zone": settings.TIME_ZONE})]
        + time_zone_choices(),
        help_text=_("Dates and times are shown in this zone."),
    )


def _active_users() -> Any:
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class LoginForm(BaseForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ProfileForm(VersionedForm):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Email"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"] = _language_field()
        self.fields["time_zone"] = _time_zone_field()


def profile_initial(user: User) -> dict[str, Any]:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "time_zone": user.time_zone,
        "version": user.version,
    }


class SetPasswordForm(BaseForm):
    """An administrator gives a user a new password."""

    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("new_password1"), data.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", _("The two passwords are not the same."))
        return data


class PasswordChangeForm(SetPasswordForm):
    """A user changes their own password: the current one first, then the new one twice."""

    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current_password", "new_password1", "new_password2"]


class PasswordResetRequestForm(BaseForm):
    """Someone who forgot their password gives the email address of their account."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ResetPasswordForm(SetPasswordForm):
    """A new password chosen through an emailed link (Django's reset view passes the user)."""

    def __init__(self, user: Any = None, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)


class TokenForm(BaseForm):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “spreadsheet sync”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.TokenScope.choices,
        initial=ApiToken.TokenScope.READ,
        widget=forms.RadioSelect,
    )


class _UserFieldsMixin(BaseForm):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"] = RoleChoiceField(
            label=_("Role"), queryset=Role.objects.order_by("id"), empty_label=None
        )
        self.fields["teams"] = forms.ModelMultipleChoiceField(
            label=_("Teams"),
            queryset=Team.objects.order_by("name"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["language"] = _language_field()
        self.fields["time_zone"] = _time_zone_field()


class UserCreateForm(_UserFieldsMixin):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Used to sign in. Letters, digits and @ . + - _ only."),
    )
    password1 = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Initial password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["username", "first_name", "last_name", "email", "role", "teams"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords are not the same."))
        return data


class UserEditForm(VersionedForm, _UserFieldsMixin):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Inactive users cannot sign in; their records and history stay."),
    )

    field_order = ["first_name", "last_name", "email", "role", "teams", "is_active"]


def user_initial(user: User) -> dict[str, Any]:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role_id,
        "teams": [t.pk for t in user.teams.all()],
        "is_active": user.is_active,
        "language": user.language,
        "time_zone": user.time_zone,
        "version": user.version,
    }


class TeamForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=120)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"] = UserChoiceField(
            label=_("Members"),
            queryset=_active_users(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class TeamCreateForm(TeamForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["version"]


def team_initial(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "members": [u.pk for u in team.members.all()],
        "version": team.version,
    }


class RoleForm(VersionedForm):
    read_scope = forms.ChoiceField(
        label=_("Reads"), choices=Scope.choices, widget=forms.RadioSelect
    )
    write_scope = forms.ChoiceField(
        label=_("Writes"), choices=Scope.choices, widget=forms.RadioSelect
    )
    can_log_on_readable = forms.BooleanField(
        label=_("Logs calls and notes on any customer it can read"), required=False
    )
    can_reassign = forms.BooleanField(label=_("Reassigns owners"), required=False)
    can_use_analytics = forms.BooleanField(label=_("Uses analytics"), required=False)
    can_manage_catalogue = forms.BooleanField(
        label=_("Manages the product catalogue"), required=False
    )
    can_manage_settings = forms.BooleanField(
        label=_("Manages settings, users, roles and custom fields"), required=False
    )


def role_initial(role: Role) -> dict[str, Any]:
    return {
        "read_scope": role.read_scope,
        "write_scope": role.write_scope,
        "can_log_on_readable": role.can_log_on_readable,
        "can_reassign": role.can_reassign,
        "can_use_analytics": role.can_use_analytics,
        "can_manage_catalogue": role.can_manage_catalogue,
        "can_manage_settings": role.can_manage_settings,
        "version": role.version,
    }
