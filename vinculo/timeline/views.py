"""Logbook pages: a customer's timeline (infinite scroll), logging interactions, attachments,
and tasks (mine, on a customer, create/edit, done toggle). Editing and deleting a logged
interaction live in `interaction_views`."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vinculo.accounts.queries import StaffMember, staff_for
from vinculo.core.edit_page import Stale, versioned_edit
from vinculo.core.errors import NotAllowed, StaleVersion, ValidationFailed
from vinculo.core.history import history_rows
from vinculo.core.permissions import can, can_create, restrict
from vinculo.core.web import add_errors_besides, render_page, service_errors
from vinculo.timeline import queries, services
from vinculo.timeline.forms import (
    QUICK_KINDS,
    InteractionForm,
    QuickLogForm,
    TaskDoneForm,
    TaskForm,
    task_initial,
)
from vinculo.timeline.models import Attachment, Channel, Interaction, Task

TIMELINE_PAGE = 20

M = TypeVar("M", bound=models.Model)


def _channel(request: HttpRequest) -> str:
    value = request.GET.get("channel", "")
    return value if value in Channel.values else ""


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _assignees(user: Any, current_id: int | None = None) -> list[Any]:
    """People the user may give a task to (Task.access "add"), and the current assignee."""
    users = staff_for(user, Task, "add")
    ids = {u.pk for u in users}
    if user.pk not in ids:
        users.insert(0, StaffMember.of(user))
    if current_id and current_id not in ids | {user.pk}:
        from django.contrib.auth import get_user_model

        current = get_user_model().objects.filter(pk=current_id).first()
        if current is not None:
            users.append(StaffMember.of(current))
    return users


def _visible_customer(user: Any, pk: int) -> Any:
    """The customer if `user` may read it, else 404 (never 403: ids of others' records
    do not even reveal that they exist)."""
    customer = queries.visible_customer(user, pk)
    if customer is None:
        raise Http404
    return customer


def _with_rights(records: list[M], user: Any) -> list[M]:
    """Mark which tasks or timeline entries the user may change, so rows only offer the
    buttons that work. Decided from loaded data: entries need their customer attached
    (queries.timeline_page does it), so this costs no query per row."""
    for record in records:
        record.can_change = can(user, "change", record)  # type: ignore[attr-defined]
    return records


def _customer_task_form(user: Any, customer: models.Model) -> TaskForm:
    return TaskForm(
        initial={"customer": customer.pk, "assignee": user.pk, "priority": Task.Priority.NORMAL},
        assignees=_assignees(user),
        auto_id="task_%s",
    )


# --- timeline -----------------------------------------------------------------------


@login_required
@require_GET
def timeline_entries(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The next timeline page (htmx, for the "revealed" sentinel), a channel tab (htmx,
    whole section) or a plain page of older entries for browsers without JavaScript."""
    customer = _visible_customer(request.user, customer_id)
    channel = _channel(request)
    cursor = request.GET.get("cursor") or None
    error = ""
    try:
        page = queries.timeline_page(customer, channel=channel, cursor=cursor, size=TIMELINE_PAGE)
    except ValidationFailed as exc:
        page, error = None, exc.message
    if page is not None:
        _with_rights(page.items, request.user)
    context = {
        "nav": "customers",
        "customer": customer,
        "timeline": page,
        "channel": channel,
        "channels": Channel.choices,
        "error": error,
        "paged": bool(cursor),
    }
    partial = "timeline/_timeline_items.html" if cursor else "timeline/_timeline.html"
    return render_page(request, "timeline/timeline_page.html", context, partial=partial, status=200)


# --- logging ------------------------------------------------------------------------


def _log_page(
    request: HttpRequest, customer: models.Model, form: InteractionForm, status: int = 200
) -> HttpResponse:
    context = {"nav": "customers", "customer": customer, "form": form}
    return render(request, "timeline/log_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def log_interaction(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Log a contact. Quick forms (htmx) get the new entry to put on top of the timeline and
    a fresh form; invalid input gets the form back with its errors, swapped in its place."""
    user: Any = request.user
    customer = _visible_customer(user, customer_id)
    if not can(user, "log", customer):
        raise PermissionDenied
    if request.method == "GET":
        channel = request.GET.get("channel", "")
        blank = InteractionForm(
            initial={
                "channel": channel if channel in Channel.values else Channel.CALL,
                "direction": Interaction.Direction.OUTBOUND,
            }
        )
        return _log_page(request, customer, blank)
    quick = request.POST.get("quick", "")
    form: QuickLogForm | InteractionForm
    if quick in QUICK_KINDS:
        form = QuickLogForm(quick, request.POST)
    else:
        quick = ""
        form = InteractionForm(request.POST, request.FILES)
    interaction = None
    if form.is_valid():
        try:
            interaction = services.log_interaction(
                actor=user, customer=customer, data=form.to_data()
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except NotAllowed:
            raise PermissionDenied from None
    else:
        # The service's own rules too (a subject or details, a date not far ahead): every
        # problem at once. Files are left out of this dry run.
        data = form.base_data()
        data.channel = (
            form.channel if isinstance(form, QuickLogForm) else form.cleaned_data.get("channel")
        )
        found = service_errors(
            lambda: services.log_interaction(actor=user, customer=customer, data=data)
        )
        add_errors_besides(form, found, form.field_map)
    if interaction is None:
        if _is_htmx(request) and isinstance(form, QuickLogForm):
            # 200 with the form swapped over itself: htmx 2 does not swap 4xx bodies.
            response = render(
                request, "timeline/_quicklog_form.html", {"form": form, "customer": customer}
            )
            response["HX-Retarget"] = f"#{form.form_id}"
            response["HX-Reswap"] = "outerHTML"
            return response
        return _log_page(request, customer, form, status=422)  # type: ignore[arg-type]
    if _is_htmx(request):
        _with_rights([interaction], user)
        context = {
            "entry": interaction,
            "place_before": _place_in_timeline(request, interaction),
            "customer": customer,
            "form": QuickLogForm(quick) if quick else None,
            "figures": queries.key_figures(customer, user),
        }
        return render(request, "timeline/_logged.html", context)
    messages.success(request, _("Interaction logged."))
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#timeline")


def _place_in_timeline(request: HttpRequest, interaction: Interaction) -> str:
    """Where a quick-logged entry goes in the timeline the page shows: before the entry
    that follows it in date order, or at the end marker of a fully loaded timeline. If
    that entry is not loaded yet, neither is the new one's place (scrolling brings it);
    "" when the page shows another channel."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    shown = parse_qs(current.query).get("channel", [""])[0]
    channel = shown if shown in Channel.values else ""
    if channel and interaction.channel != channel:
        return ""
    below = queries.entry_below(interaction, channel=channel)
    return f"#interaction-{below.pk}" if below is not None else "#timeline-end"


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Send an attachment as a download, only if its interaction's customer is visible."""
    visible = restrict(Interaction.objects.all(), request.user, "view").values("pk")
    attachment = Attachment.objects.filter(pk=pk, interaction_id__in=visible).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    # Uploaded content is never trusted: even if a browser renders it, it runs no script.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# --- tasks --------------------------------------------------------------------------


def _visible_task(user: Any, pk: int) -> Task:
    task = queries.visible_tasks(user).select_related("customer", "assignee").filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


@login_required
@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    """My open tasks (overdue first, then by due date, undated last); done ones on demand."""
    show_done = request.GET.get("done") == "1"
    limit = 200
    open_tasks = _with_rights(queries.my_tasks(request.user, limit=limit), request.user)
    context = {
        "nav": "tasks",
        "open_tasks": open_tasks,
        "truncated": len(open_tasks) >= limit,
        "limit": limit,
        "can_add_task": can_create(request.user, Task),
        "show_done": show_done,
        "done_tasks": _with_rights(
            queries.my_tasks(request.user, done=True, limit=100), request.user
        )
        if show_done
        else [],
    }
    return render_page(request, "timeline/my_tasks.html", context)


def _task_page(
    request: HttpRequest,
    form: TaskForm,
    task: Task | None,
    *,
    status: int = 200,
    stale: Stale | None = None,
) -> HttpResponse:
    chosen = None
    value = form["customer"].value()
    if value not in (None, "") and str(value).isdigit():
        chosen = queries.visible_customer(request.user, int(value))
    context = {
        "nav": "tasks",
        "form": form,
        "task": task,
        "customer_choice": chosen,
        "next": _next_url(request, ""),
        "history": history_rows(task, request.user) if task is not None else [],
        "stale": stale,
    }
    return render(request, "timeline/task_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest) -> HttpResponse:
    """New task: a page of its own, or the inline form of the 360 page (htmx)."""
    user: Any = request.user
    if not can_create(user, Task):
        raise PermissionDenied
    if request.method == "GET":
        initial: dict[str, Any] = {"assignee": user.pk, "priority": Task.Priority.NORMAL}
        raw = request.GET.get("customer", "")
        if raw.isdigit():
            initial["customer"] = int(raw)
        return _task_page(request, TaskForm(initial=initial, assignees=_assignees(user)), None)
    inline = _is_htmx(request)
    form = TaskForm(request.POST, assignees=_assignees(user), auto_id="task_%s" if inline else None)
    task = None
    if form.is_valid():
        try:
            task = services.create_task(actor=user, data=form.to_data(editing=False))
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except NotAllowed:
            raise PermissionDenied from None
    if inline:
        if task is None:
            response = render(request, "timeline/_task_inline_form.html", {"task_form": form})
            response["HX-Retarget"] = "#task-new"
            response["HX-Reswap"] = "outerHTML"
            return response
        _with_rights([task], user)
        fresh = None
        if task.customer is not None:
            fresh = _customer_task_form(user, task.customer)
        return render(request, "timeline/_task_created.html", {"task": task, "task_form": fresh})
    if task is None:
        return _task_page(request, form, None, status=422)
    messages.success(request, _("Task created."))
    default = (
        reverse("customers:detail", args=[task.customer_id])
        if task.customer_id
        else reverse("timeline:my_tasks")
    )
    return redirect(_next_url(request, default))


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    task = _visible_task(user, pk)
    if not can(user, "change", task):
        raise PermissionDenied

    def form(record: Task, data: QueryDict | None) -> TaskForm:
        # The stored assignee is a choice even if the user could not give tasks to them.
        assignees = _assignees(user, record.assignee_id)
        return TaskForm(data, initial=task_initial(record), assignees=assignees)

    def save(form: TaskForm, record: Task, version: int | None) -> Task:
        data = form.to_data(editing=True)
        return services.update_task(actor=user, task=record, data=data, expected_version=version)

    def saved(_task: Task) -> HttpResponse:
        messages.success(request, _("Task saved."))
        return redirect(_next_url(request, reverse("timeline:my_tasks")))

    return versioned_edit(
        request,
        task,
        form=form,
        load=lambda: _visible_task(user, pk),
        save=save,
        check=lambda form, record: save(form, record, None),
        page=_task_page,
        saved=saved,
    )


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a task done or reopen it, if it is still the version the user saw."""
    user: Any = request.user
    task = _visible_task(user, pk)
    if not can(user, "change", task):
        raise PermissionDenied
    form = TaskDoneForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("The request could not be completed.")
    else:
        try:
            services.set_task_done(
                actor=user,
                task=task,
                done=form.cleaned_data["done"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion as exc:
            error = exc.message
            task = _visible_task(user, pk)
        except NotAllowed:
            raise PermissionDenied from None
    if _is_htmx(request):
        _with_rights([task], user)
        context = {
            "task": task,
            "error": error,
            "next": _next_url(request, ""),
            "show_customer": request.POST.get("show_customer") == "1",
        }
        return render(request, "timeline/_task_row.html", context)
    if error:
        messages.error(request, error)
    elif task.is_done:
        messages.success(request, _("Task done."))
    else:
        messages.success(request, _("Task reopened."))
    return redirect(_next_url(request, reverse("timeline:my_tasks")))
