"""What the logbook adds to pages it does not own, through the core registries (see
extensions.py): the Customer 360 panels (key figures, open tasks, quick log and timeline,
the "Log interaction" button) and the home page's widgets (tasks due, recent activity)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from vinculo.core.permissions import can, can_create
from vinculo.timeline import queries, views
from vinculo.timeline.forms import QUICK_KINDS, QuickLogForm
from vinculo.timeline.models import Channel, Task

DUE_TASKS_LIMIT = 20
RECENT_LIMIT = 10


# --- Customer 360 ---------------------------------------------------------------------------


def may_log(user: Any, customer: Any) -> bool:
    return can(user, "log", customer)


def figures_panel(request: HttpRequest, customer: Any) -> dict[str, Any]:
    """Interactions, last contact, open and overdue tasks, customer since, people."""
    return {"customer": customer, "figures": queries.key_figures(customer, request.user)}


def tasks_panel(request: HttpRequest, customer: Any) -> dict[str, Any]:
    """The customer's open tasks the viewer may see, with the inline new-task form."""
    user: Any = request.user
    return {
        "customer": customer,
        "open_tasks": views._with_rights(queries.customer_open_tasks(customer, user), user),
        "task_form": views._customer_task_form(user, customer) if can_create(user, Task) else None,
    }


def timeline_panel(request: HttpRequest, customer: Any) -> dict[str, Any]:
    """Quick log forms (when the viewer may log) and the first timeline page."""
    user: Any = request.user
    channel = views._channel(request)
    timeline = queries.timeline_page(customer, channel=channel, size=views.TIMELINE_PAGE)
    views._with_rights(timeline.items, user)
    return {
        "customer": customer,
        "quick_forms": [QuickLogForm(kind) for kind in QUICK_KINDS]
        if may_log(user, customer)
        else [],
        "timeline": timeline,
        "channel": channel,
        "channels": Channel.choices,
    }


def log_action(request: HttpRequest, customer: Any) -> dict[str, Any]:
    return {"customer": customer}


# --- home page ------------------------------------------------------------------------------


def due_tasks_widget(request: HttpRequest) -> dict[str, Any]:
    """My tasks due today or overdue; an empty list says so and points at what to do."""
    user: Any = request.user
    tasks = views._with_rights(queries.my_due_tasks(user, limit=DUE_TASKS_LIMIT), user)
    return {
        "tasks": tasks,
        "truncated": len(tasks) >= DUE_TASKS_LIMIT,
        "may_add": can_create(user, Task),
    }


def recent_activity_widget(request: HttpRequest) -> dict[str, Any]:
    """The latest interactions on my customers (or on those I may read, if I own none)."""
    user: Any = request.user
    entries, mine = queries.recent_activity(user, limit=RECENT_LIMIT)
    return {"entries": entries, "mine": mine, "days": queries.RECENT_DAYS}
