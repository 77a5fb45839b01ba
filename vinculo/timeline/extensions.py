"""The logbook's place in pages it does not own (found by vinculo.core.extensions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vinculo.core import extensions as ext
from vinculo.timeline import panels
from vinculo.timeline.models import Interaction

CUSTOMER = "customers.customer"

ext.register_panel(
    ext.Panel(
        target=CUSTOMER,
        key="log",
        title=_("Log interaction"),
        template="timeline/panels/log_action.html",
        context=panels.log_action,
        order=10,
        region="actions",
        visible=panels.may_log,
    )
)
ext.register_panel(
    ext.Panel(
        target=CUSTOMER,
        key="figures",
        title=_("Key figures"),
        template="timeline/panels/figures.html",
        context=panels.figures_panel,
        order=10,
        region="top",
    )
)
ext.register_panel(
    ext.Panel(
        target=CUSTOMER,
        key="tasks",
        title=_("Open tasks"),
        template="timeline/panels/tasks.html",
        context=panels.tasks_panel,
        order=10,
        region="side",
    )
)
ext.register_panel(
    ext.Panel(
        target=CUSTOMER,
        key="timeline",
        title=_("Timeline"),
        template="timeline/panels/timeline.html",
        context=panels.timeline_panel,
        order=10,
        region="main",
    )
)

ext.register_widget(
    ext.Widget(
        key="due_tasks",
        title=_("My tasks for today"),
        template="timeline/widgets/due_tasks.html",
        context=panels.due_tasks_widget,
        order=10,
        region="main",
    )
)
ext.register_widget(
    ext.Widget(
        key="recent_activity",
        title=_("Recent activity"),
        template="timeline/widgets/recent_activity.html",
        context=panels.recent_activity_widget,
        order=20,
        region="main",
        lazy=True,
    )
)

ext.register_checklist_item(
    ext.ChecklistItem(
        key="first_interaction",
        title=_("Log a first call, meeting or note"),
        help=_("Open a customer and use the quick log on the right."),
        done=lambda: Interaction.objects.exists(),
        url_name="customers:list",
        order=40,
    )
)
