"""Read side of the logbook: timeline pages, tasks lists and a customer's key figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils import timezone

from vinculo.core.pagination import Page, keyset_page
from vinculo.core.permissions import restrict
from vinculo.customers.models import Customer
from vinculo.timeline.models import Interaction, Task


@dataclass
class KeyFigures:
    """Real figures only (no placeholders): what exists at this stage of the product."""

    interactions: int
    last_contact: dt.datetime | None
    open_tasks: int
    overdue_tasks: int
    customer_since: dt.datetime
    people: int | None


def key_figures(customer: Customer, user: Any) -> KeyFigures:
    """The 360 page's figures, counting only what `user` may see, so a figure never
    promises rows the lists below it do not show."""
    logged = (
        Interaction.objects.restrict(user, "view")
        .filter(customer=customer)
        .aggregate(n=Count("id"), last=Max("occurred_at"))
    )
    tasks = (
        visible_tasks(user)
        .filter(customer=customer, done_at__isnull=True)
        .aggregate(
            open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=timezone.localdate()))
        )
    )
    people = None
    if customer.is_organization:
        people = Customer.objects.restrict(user, "view").filter(organization=customer).count()
    return KeyFigures(
        interactions=logged["n"],
        last_contact=logged["last"],
        open_tasks=tasks["open"],
        overdue_tasks=tasks["overdue"],
        customer_since=customer.created_at,
        people=people,
    )


TIMELINE_ORDER = ["-occurred_at", "-id"]


def timeline_page(
    customer: Customer, *, channel: str = "", cursor: str | None = None, size: int = 20
) -> Page:
    """One page of a customer's timeline, newest first, walked by (occurred_at, id) keys.

    Served by interaction_timeline_idx / interaction_channel_idx at any depth."""
    qs = Interaction.objects.filter(customer=customer).select_related("created_by")
    if channel:
        qs = qs.filter(channel=channel)
    page = keyset_page(qs, order=TIMELINE_ORDER, cursor=cursor, size=size)
    prefetch_related_objects(page.items, "attachments")
    for item in page.items:
        # Every entry's customer is this one: attach it, so permission checks per entry
        # (Interaction.permits reads customer.owner_id) cost no query.
        item.customer = customer
    return page


def entry_below(interaction: Interaction, *, channel: str = "") -> Interaction | None:
    """The timeline entry that comes right after `interaction` (newest first), so a newly
    logged one, dated in the past, can be put in its place without a reload."""
    when = interaction.occurred_at
    qs = Interaction.objects.filter(customer_id=interaction.customer_id).filter(
        Q(occurred_at__lt=when) | Q(occurred_at=when, id__lt=interaction.pk)
    )
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by(*TIMELINE_ORDER).only("pk").first()


def visible_tasks(user: Any) -> QuerySet[Task]:
    """Tasks the user may see (Task.access "view"): assigned to them, to someone whose
    records they read, or created by them."""
    return restrict(Task.objects.all(), user, "view")


def customer_open_tasks(customer: Customer, user: Any, *, limit: int = 50) -> list[Task]:
    """A customer's open tasks the user may see: overdue and soonest first, undated last."""
    qs = visible_tasks(user).filter(customer=customer, done_at__isnull=True)
    order = F("due_date").asc(nulls_last=True)
    return list(qs.select_related("assignee").order_by(order, "id")[:limit])


def my_tasks(user: Any, *, done: bool = False, limit: int = 200) -> list[Task]:
    """Tasks assigned to the user. Open ones: overdue first, then by due date, undated last
    (a bounded list served by task_mine_idx). Done ones: most recently done first."""
    qs = visible_tasks(user).filter(assignee_id=user.pk).select_related("customer")
    if done:
        qs = qs.filter(done_at__isnull=False).order_by("-done_at", "-id")
    else:
        qs = qs.filter(done_at__isnull=True).order_by(F("due_date").asc(nulls_last=True), "id")
    return list(qs[:limit])


def my_due_tasks(user: Any, *, limit: int = 20) -> list[Task]:
    """My open tasks due today or earlier, most overdue first (the home page's "Today").

    Ordered by the whole of task_mine_idx (assignee, done_at, due_date, id): done_at is
    NULL on every row, but only then does PostgreSQL walk the index in order and stop
    after `limit` rows (0.5 ms at 2,000 tasks per user), instead of sorting them all."""
    return list(
        Task.objects.filter(
            assignee_id=user.pk, done_at__isnull=True, due_date__lte=timezone.localdate()
        )
        .select_related("customer")
        .order_by("done_at", "due_date", "id")[:limit]
    )


RECENT_DAYS = 30
# How many of the company's latest interactions the first, cheap pass looks through.
RECENT_SCAN = 2000


def recent_activity(
    user: Any, *, limit: int = 10, days: int = RECENT_DAYS, scan: int = RECENT_SCAN
) -> tuple[list[Interaction], bool]:
    """The latest interactions (of the last `days`, newest first) on the customers `user`
    owns; for someone who owns none (an administrator, a service agent), on the customers
    they may read. Returns (interactions, mine).

    Never a count, and never a walk through the whole window: at 1M customers a month of
    the company's interactions is half a million rows. First pass: the window is cut to
    the company's latest `scan` interactions (the cut-off read from interaction_recent_idx
    alone), walked newest first until `limit` are in scope; enough for anyone with recent
    contacts, and stops after a few rows for broad scopes. Only when that finds fewer than
    `limit` and the window holds more, the second pass asks each customer in scope for its
    latest contact (one probe of interaction_timeline_idx per customer) and reads the
    interactions of the `limit` most recently contacted: bounded by the size of the
    user's portfolio, not by the company's activity."""
    now = timezone.now()
    window = Interaction.objects.filter(
        occurred_at__gte=now - dt.timedelta(days=days), occurred_at__lte=now
    )
    mine = Customer.objects.filter(owner_id=user.pk).exists()
    scoped = window.filter(customer__owner_id=user.pk) if mine else window.restrict(user, "view")
    order = ["-occurred_at", "-id"]
    cutoff = list(window.order_by(*order).values_list("occurred_at", flat=True)[scan - 1 : scan])
    first = scoped.filter(occurred_at__gte=cutoff[0]) if cutoff else scoped
    items = list(first.select_related("customer", "created_by").order_by(*order)[:limit])
    if len(items) >= limit or not cutoff:
        return items, mine
    customers: QuerySet[Customer] = (
        Customer.objects.filter(owner_id=user.pk)
        if mine
        else Customer.objects.restrict(user, "view")
    )
    last_contact = Subquery(
        window.filter(customer_id=OuterRef("pk")).order_by("-occurred_at").values("occurred_at")[:1]
    )
    contacted = (
        customers.annotate(last_contact=last_contact)
        .filter(last_contact__isnull=False)
        .order_by("-last_contact")
        .values_list("pk", flat=True)[:limit]
    )
    items = list(
        window.filter(customer_id__in=contacted)
        .select_related("customer", "created_by")
        .order_by(*order)[:limit]
    )
    return items, mine


def visible_customer(user: Any, pk: Any) -> Customer | None:
    """The customer `pk` if `user` may read it (the logbook's pages start from one)."""
    return Customer.objects.restrict(user, "view").filter(pk=pk).first()
