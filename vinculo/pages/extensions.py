"""The getting-started checklist: a home-page widget made of the steps apps register
(core.extensions.register_checklist_item); and the kernel's settings section of event
deliveries (pages/outbox_views.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vinculo.core import extensions as ext


def checklist_widget(request: HttpRequest) -> dict[str, Any] | None:
    """The steps this user can take, each ticked from real data (one EXISTS each); nothing
    once every step is done."""
    rows = [(item, item.done()) for item in ext.checklist_for(request.user)]
    if not rows or all(done for _item, done in rows):
        return None
    return {"rows": rows}


ext.register_widget(
    ext.Widget(
        key="getting_started",
        title=_("Getting started"),
        template="pages/widgets/checklist.html",
        context=checklist_widget,
        order=10,
        region="side",
        dismissible=True,
    )
)

ext.register_settings_section(
    ext.SettingsSection(
        key="outbox",
        title=_("Event deliveries"),
        description=_(
            "What each event consumer has delivered, what is failing, and the deliveries "
            "that gave up: retry them once the cause is fixed, or discard them."
        ),
        url_name="pages:outbox",
        order=90,
    )
)
