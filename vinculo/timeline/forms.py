"""Page forms of the logbook; they shape input into the timeline services' data classes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vinculo.core import dates
from vinculo.core.errors import DomainError
from vinculo.core.web import add_domain_errors
from vinculo.customers.forms import set_choices
from vinculo.timeline.models import Channel, Interaction, Task
from vinculo.timeline.services import MAX_DURATION, FileIn, InteractionData, TaskData

MAX_MINUTES = MAX_DURATION // 60
MAX_FILES = 10

# The quick forms on the 360 page: which channel and which optional fields each one has.
QUICK_KINDS: dict[str, dict[str, Any]] = {
    "call": {"channel": Channel.CALL, "label": _("Log a call"), "fields": {"direction", "outcome"}},
    "note": {"channel": Channel.NOTE, "label": _("Add a note"), "fields": set()},
    "meeting": {
        "channel": Channel.MEETING,
        "label": _("Log a meeting"),
        "fields": {"occurred_at"},
    },
}


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *list(choices)]


class _InteractionFields(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Details"), required=False, max_length=50000, widget=forms.Textarea({"rows": 3})
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, min_value=0, max_value=MAX_MINUTES
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Interaction.Direction.choices, required=False
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=_blank(Interaction.Outcome.choices), required=False
    )
    occurred_at = dates.DateTimeField(
        label=_("When"), required=False, help_text=_("Leave empty for now.")
    )

    field_map = {"duration_seconds": "duration_minutes", "files": "attachments"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def base_data(self) -> InteractionData:
        """The service input of these fields. A field Django refused (or a quick form
        lacks) is None: left as it is, so a dry run checks only the others."""
        cd = self.cleaned_data

        def text(name: str) -> str | None:
            return (cd[name] or "") if name in cd else None

        minutes = cd.get("duration_minutes")
        return InteractionData(
            direction=cd.get("direction") or None,
            occurred_at=cd.get("occurred_at") or None,
            subject=text("subject"),
            body=text("body"),
            duration_seconds=minutes * 60 if minutes is not None else None,
            outcome=text("outcome"),
        )

    def add_service_errors(self, exc: DomainError) -> None:
        add_domain_errors(self, exc, self.field_map)


class QuickLogForm(_InteractionFields):
    """One of the 360 page's quick forms (call, note, meeting); `quick` says which."""

    quick = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, kind: str, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{kind}_%s")
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("quick", kind)
        super().__init__(*args, **kwargs)
        self.kind = kind
        spec = QUICK_KINDS[kind]
        self.label = spec["label"]
        self.channel = spec["channel"]
        keep = {"quick", "subject", "body"} | spec["fields"]
        if kind != "note":
            keep.add("duration_minutes")
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "direction" in self.fields:
            set_choices(
                self.fields["direction"],
                [
                    (Interaction.Direction.OUTBOUND, _("Outbound")),
                    (Interaction.Direction.INBOUND, _("Inbound")),
                ],
            )
            self.fields["direction"].initial = Interaction.Direction.OUTBOUND
        if kind == "note":
            self.fields["body"].widget.attrs["rows"] = 4

    @property
    def form_id(self) -> str:
        return f"quicklog-{self.kind}"

    def to_data(self) -> InteractionData:
        data = self.base_data()
        data.channel = self.channel
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class InteractionForm(_InteractionFields):
    """The full "log interaction" form: any channel, with attachments."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    field_order = [
        "channel",
        "direction",
        "occurred_at",
        "subject",
        "body",
        "duration_minutes",
        "outcome",
        "attachments",
    ]

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)d files at once.") % {"n": MAX_FILES})
        return files

    def to_data(self, *, files: bool = True) -> InteractionData:
        """The service input; `files=False` leaves the uploads out (a dry run of the
        service on a form Django refused, where a field it could not read is None)."""
        data = self.base_data()
        data.channel = self.cleaned_data.get("channel")
        if files:
            data.files = [
                FileIn(name=f.name, content=f.read(), content_type=f.content_type or "")
                for f in self.cleaned_data.get("attachments") or []
            ]
        return data


class InteractionEditForm(InteractionForm):
    """Edit a logged interaction: the full form plus the version the user saw.

    Values the page cannot show exactly (seconds of the time, seconds of the duration) are
    kept as stored when the user leaves them as shown, so saving a subject alone does not
    also rewrite "when" and "duration" in the history."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, interaction: Interaction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interaction = interaction
        self.fields["occurred_at"].required = True
        self.fields["occurred_at"].help_text = ""
        self.fields["attachments"].label = _("Add attachments")

    def to_data(self, *, files: bool = True) -> InteractionData:
        data = super().to_data(files=files)
        stored = self.interaction
        shown_at = stored.occurred_at.replace(second=0, microsecond=0)
        if data.occurred_at is not None and data.occurred_at == shown_at:
            data.occurred_at = None
        minutes = self.cleaned_data.get("duration_minutes")
        if minutes is None:
            data.cleared.add("duration_seconds")
        elif stored.duration_seconds is not None and minutes == stored.duration_seconds // 60:
            data.duration_seconds = None
        return data


def interaction_initial(interaction: Interaction) -> dict[str, Any]:
    """The edit form's values for the stored interaction (duration shown in whole minutes)."""
    seconds = interaction.duration_seconds
    return {
        "version": interaction.version,
        "channel": interaction.channel,
        "direction": interaction.direction,
        "occurred_at": interaction.occurred_at,
        "subject": interaction.subject,
        "body": interaction.body,
        "duration_minutes": seconds // 60 if seconds is not None else None,
        "outcome": interaction.outcome,
    }


class VersionForm(forms.Form):
    """The confirmation of a delete, carrying the version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class TaskForm(forms.Form):
    """Create or edit a task; the customer is picked with the search-powered chooser."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    due_date = dates.DateField(label=_("Due date"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Task.Priority.choices, initial=Task.Priority.NORMAL
    )
    assignee = forms.TypedChoiceField(label=_("Assignee"), coerce=int, required=False)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=10000, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, assignees: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        set_choices(self.fields["assignee"], [(u.pk, str(u)) for u in assignees])

    def to_data(self, *, editing: bool) -> TaskData:
        cd = self.cleaned_data
        # Also called on a form Django refused (to ask the service about the other fields):
        # a field it could not read is None, which the service leaves unchanged.
        data = TaskData(
            title=cd.get("title"),
            notes=cd.get("notes") or "",
            due_date=cd.get("due_date"),
            priority=cd.get("priority"),
            assignee_id=cd.get("assignee") or None,
            customer_id=cd.get("customer") or None,
        )
        if editing:
            if not cd.get("due_date"):
                data.cleared.add("due_date")
            if not cd.get("customer"):
                data.cleared.add("customer")
        return data

    def add_service_errors(self, exc: DomainError) -> None:
        add_domain_errors(self, exc)


def task_initial(task: Task) -> dict[str, Any]:
    return {
        "version": task.version,
        "title": task.title,
        "due_date": task.due_date,
        "priority": task.priority,
        "assignee": task.assignee_id,
        "customer": task.customer_id,
        "notes": task.notes,
    }


class TaskDoneForm(forms.Form):
    """Mark done (done=1) or reopen (done=0) the version of the task the user saw."""

    done = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
    version = forms.IntegerField()
