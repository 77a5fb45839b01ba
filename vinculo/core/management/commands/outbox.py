"""`vinculo outbox`: what the event dispatcher is doing, and the failed deliveries an
operator must look at (retry them once the cause is fixed, or discard them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from vinculo.core import events
from vinculo.core.models import JobLock, OutboxDelivery, OutboxEvent

OPEN = (OutboxDelivery.Status.RETRY, OutboxDelivery.Status.FAILED)


class Command(BaseCommand):
    help = "Outbox events: status, failed deliveries, retry or discard them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="pending events, failing deliveries, job locks")
        failures = sub.add_parser("failures", help="deliveries failing or given up, newest first")
        failures.add_argument("--limit", type=int, default=50)
        for name, text in (
            ("retry", "deliver failed events again to their consumers (attempts start over)"),
            ("discard", "drop given-up deliveries: those consumers never get those events"),
        ):
            action = sub.add_parser(name, help=text)
            action.add_argument("--consumer", help="only this consumer key")
            action.add_argument("--event", type=int, help="only this event id")
            action.add_argument("--all", action="store_true", help="every failed delivery")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _status(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        pending = OutboxEvent.objects.filter(processed_at__isnull=True)
        oldest = pending.aggregate(at=Min("created_at"))["at"]
        counts = {
            "pending events": pending.count(),
            "  due now": pending.filter(available_at__lte=now).count(),
            "deliveries failing (will retry)": _open(OutboxDelivery.Status.RETRY).count(),
            "deliveries failed (wait for an operator)": _open(OutboxDelivery.Status.FAILED).count(),
        }
        for label, value in counts.items():
            self.stdout.write(f"{label}: {value}")
        if oldest is not None:
            self.stdout.write(f"oldest pending event: {int((now - oldest).total_seconds())} s old")
        autodiscover_modules("jobs")  # where apps register their consumers
        consumers = sorted(r.key for r in events.registered())
        self.stdout.write(f"consumers in this process: {', '.join(consumers) or '(none)'}")
        for lock in JobLock.objects.order_by("name"):
            self.stdout.write(f"job lock {lock.name}: held until {lock.expires_at.isoformat()}")

    def _failures(self, options: dict[str, Any]) -> None:
        rows = (
            OutboxDelivery.objects.filter(status__in=OPEN)
            .select_related("event")
            .order_by("-updated_at", "-id")[: options["limit"]]
        )
        found = False
        for d in rows:
            found = True
            last = (d.last_error.strip().splitlines() or [""])[-1]
            when = d.next_attempt_at.isoformat() if d.next_attempt_at else "-"
            self.stdout.write(
                f"event {d.event_id} {d.event.name} {d.event.aggregate}#{d.event.aggregate_id}"
                f"  consumer {d.consumer}  {d.status} after {d.attempts} attempt(s)"
                f"  next: {when}\n    {last}"
            )
        if not found:
            self.stdout.write("No failed deliveries.")

    def _selected(self, options: dict[str, Any]) -> QuerySet[OutboxDelivery]:
        if not (options["consumer"] or options["event"] or options["all"]):
            raise CommandError("Say which: --consumer KEY, --event ID or --all.")
        rows = OutboxDelivery.objects.filter(status=OutboxDelivery.Status.FAILED)
        if options["consumer"]:
            rows = rows.filter(consumer=options["consumer"])
        if options["event"]:
            rows = rows.filter(event_id=options["event"])
        return rows

    def _retry(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        with transaction.atomic():
            rows = self._selected(options)
            event_ids = list(rows.values_list("event_id", flat=True).distinct())
            count = rows.update(
                status=OutboxDelivery.Status.RETRY, attempts=0, next_attempt_at=now, updated_at=now
            )
            OutboxEvent.objects.filter(pk__in=event_ids).update(processed_at=None, available_at=now)
        self.stdout.write(
            f"{count} deliveries of {len(event_ids)} events will be retried on the next "
            "dispatch (every minute)."
        )

    def _discard(self, options: dict[str, Any]) -> None:
        count = self._selected(options).delete()[0]
        self.stdout.write(f"{count} failed deliveries discarded.")


def _open(status: str) -> QuerySet[OutboxDelivery]:
    return OutboxDelivery.objects.filter(status=status)
