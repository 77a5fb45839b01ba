"""Accounts' places in shared pages (found by vinculo.core.extensions): the users, teams and
roles settings sections, and the "add your team" step of the getting-started checklist."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vinculo.accounts.models import User
from vinculo.core import extensions as ext

ext.register_settings_section(
    ext.SettingsSection(
        key="users",
        title=_("Users"),
        description=_(
            "Who signs in, their role, teams, language and time zone. Deactivate people who leave."
        ),
        url_name="accounts:users",
        order=10,
    )
)
ext.register_settings_section(
    ext.SettingsSection(
        key="teams",
        title=_("Teams"),
        description=_(
            "Groups of users. Roles with “team” scope see the records of everyone in their teams."
        ),
        url_name="accounts:teams",
        order=20,
    )
)
ext.register_settings_section(
    ext.SettingsSection(
        key="roles",
        title=_("Roles"),
        description=_("What each role reads and writes: its own records, its team's, all or none."),
        url_name="accounts:roles",
        order=30,
    )
)


def _has_colleagues() -> bool:
    """More than one user: two ids at most are read, whatever the size of the staff."""
    return len(User.objects.order_by("pk").values_list("pk", flat=True)[:2]) > 1


ext.register_checklist_item(
    ext.ChecklistItem(
        key="users",
        title=_("Add the people you work with"),
        help=_("Give each one a role: it decides what they see and change."),
        done=_has_colleagues,
        url_name="accounts:user_create",
        order=10,
        capability="can_manage_settings",
    )
)
