"""`vinculo outbox`: what the event dispatcher is doing, and the failed deliveries an
operator must look at (retry them once the cause is fixed, or discard them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from vinculo.core import outbox
from vinculo.core.counts import Total
from vinculo.core.models import JobLock, OutboxDelivery

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
        state = outbox.summary(consumers=outbox.consumers_with_open_deliveries())
        self.stdout.write(f"pending events: {_shown(state.pending)}")
        self.stdout.write(f"  due now: {_shown(state.due)}")
        if state.oldest_pending_at is not None:
            age = int((now - state.oldest_pending_at).total_seconds())
            self.stdout.write(f"oldest pending event: {age} s old")
        for c in state.consumers:
            note = "" if c.registered else " (not registered in this process)"
            self.stdout.write(
                f"consumer {c.key}{note}: {_shown(c.delivered)} delivered, "
                f"{_shown(c.retrying)} failing (will retry), "
                f"{_shown(c.failed)} failed (wait for an operator)"
            )
        if not state.consumers:
            self.stdout.write("consumers in this process: (none)")
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

    def _selection(self, options: dict[str, Any]) -> dict[str, Any]:
        if not (options["consumer"] or options["event"] or options["all"]):
            raise CommandError("Say which: --consumer KEY, --event ID or --all.")
        return {
            "consumer": options["consumer"] or "",
            "event_id": options["event"],
            "everything": bool(options["all"]),
        }

    def _retry(self, options: dict[str, Any]) -> None:
        done = outbox.retry_failed(**self._selection(options))
        self.stdout.write(
            f"{done.deliveries} deliveries of {done.events} events will be retried on the next "
            "dispatch (every minute)."
        )

    def _discard(self, options: dict[str, Any]) -> None:
        count = outbox.discard_failed(**self._selection(options))
        self.stdout.write(f"{count} failed deliveries discarded.")


def _shown(total: Total) -> str:
    return f"more than {total.value}" if total.is_lower_bound else str(total.value)
