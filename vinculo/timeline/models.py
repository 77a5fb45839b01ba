"""The logbook: one Interaction per contact on any channel, their attachments, and tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vinculo.core.models import VersionedModel
from vinculo.core.permissions import (
    Access,
    AllOf,
    AnyOf,
    Creator,
    Owner,
    Scope,
    Via,
    VisibleQuerySet,
    Writes,
)


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    CALL = "call", _("Phone call")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SOCIAL = "social", _("Social message")
    MEETING = "meeting", _("Meeting")
    WEB_FORM = "web_form", _("Web form")
    CHAT = "chat", _("Chat")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    NOTE = "note", _("Note")


_CORRECT = AnyOf(AllOf(Writes(), Creator(), Via("customer", "view")), Via("customer", "change"))


class InteractionQuerySet(VisibleQuerySet):
    """Interactions; `restrict(user, action)` applies Interaction.access."""


class Interaction(VersionedModel):
    """A contact with a customer, whatever the channel, inbound or outbound."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")
        INTERNAL = "internal", _("Internal")

    class Outcome(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        VOICEMAIL = "voicemail", _("Left voicemail")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        FOLLOW_UP = "follow_up", _("Follow-up needed")
        INTERESTED = "interested", _("Interested")
        NOT_INTERESTED = "not_interested", _("Not interested")
        RESOLVED = "resolved", _("Resolved")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("details"), blank=True, max_length=50000)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff involved"), blank=True, related_name="+"
    )
    other_customers = models.ManyToManyField(
        "customers.Customer",
        verbose_name=_("other customers involved"),
        blank=True,
        related_name="+",
    )
    # Where the interaction came from ("api", "imap:sales@example.com", "voip:acme") and its
    # id there (message id, call id): a re-delivered event is not logged twice, and two
    # sources never compete for one id (docs/api.md, "External ids").
    source = models.CharField(_("source"), max_length=100, blank=True)
    external_id = models.CharField(max_length=200, blank=True)

    objects = InteractionQuerySet.as_manager()

    # Visible with its customer. Whoever may log on the customer adds entries; the author
    # corrects their own entry while they still read the customer (and may write at all),
    # whoever may change the customer corrects any entry.
    access = Access(
        creator="created_by",
        view=Via("customer", "view"),
        add=Via("customer", "log"),
        change=_CORRECT,
        delete=_CORRECT,
    )

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(
                fields=["customer", "-occurred_at", "-id"], name="interaction_timeline_idx"
            ),
            models.Index(
                fields=["customer", "channel", "-occurred_at", "-id"],
                name="interaction_channel_idx",
            ),
            # The logbook across customers (API list without a customer filter).
            models.Index(fields=["-occurred_at", "-id"], name="interaction_recent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="interaction_source_external_uniq",
            )
        ]

    def __str__(self) -> str:
        return self.subject or self.get_channel_display()


def attachment_path(instance: Attachment, filename: str) -> str:
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    """A file attached to an interaction, stored under the data dir, served after a check."""

    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        # prune_orphan_files looks up which stored names are still referenced, a batch at a
        # time: without this index each batch would scan every attachment.
        indexes = [models.Index(fields=["file"], name="attachment_file_idx")]

    def __str__(self) -> str:
        return self.name


class InteractionLink(models.Model):
    """A link from an interaction to another record (an opportunity, a complaint, …)."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="links")
    target_model = models.CharField(max_length=100)  # "app_label.modelname"
    target_id = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]  # as the client sent them
        indexes = [models.Index(fields=["target_model", "target_id"], name="interaction_link_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["interaction", "target_model", "target_id"], name="interaction_link_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_model}#{self.target_id}"


class TaskQuerySet(VisibleQuerySet):
    """Tasks; `restrict(user, action)` applies Task.access."""

    def open(self) -> TaskQuerySet:
        return self.filter(done_at__isnull=True)


class Task(VersionedModel):
    """Something someone must do, usually for a customer, by a date."""

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True, max_length=10000)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    # The assignee is the owner. Seen by the assignee, by whoever reads the assignee's
    # records and by its creator; created by roles that may write, for anyone they read
    # (handing work to a teammate); changed by its creator or within the write scope.
    access = Access(
        owner="assignee",
        creator="created_by",
        view=AnyOf(Owner("read"), Owner(Scope.OWN), Creator()),
        add=AllOf(Writes(), AnyOf(Owner(Scope.OWN), Owner("read"))),
        change=AllOf(Writes(), AnyOf(Creator(), Owner("write"))),
        delete=AllOf(Writes(), AnyOf(Creator(), Owner("write"))),
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_date", "id"], name="task_mine_idx"),
            models.Index(fields=["customer", "done_at", "due_date"], name="task_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_overdue(self) -> bool:
        return (
            not self.is_done and self.due_date is not None and self.due_date < timezone.localdate()
        )
