"""How user changes read in History (see core.history): the labels of the product's own
user forms, never Django's internal ones ("staff status", "Membro da equipe")."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from vinculo.accounts.models import User
from vinculo.core.history import HistoryFormat


def _language(value: Any) -> str:
    """ "es" → "español": languages by their own name, as the language menu shows them."""
    try:
        return str(get_language_info(str(value))["name_local"])
    except KeyError:
        return str(value)


FORMATS = {
    User: HistoryFormat(
        labels={
            "username": _("Username"),
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "email": _("Email"),
            "is_active": _("Active"),
            # Only the installation's first administrator has it (createadmin).
            "is_superuser": _("Full access"),
            "date_joined": _("Joined"),
            "role": _("Role"),
            "language": _("Language"),
            "time_zone": _("Time zone"),
            "teams": _("Teams"),
        },
        values={"language": _language},
        # Django's admin-site flag: the product has no such site, so it means nothing here.
        hidden=frozenset({"is_staff"}),
    ),
}
