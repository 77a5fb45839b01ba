"""Accounts jobs: forget failed sign-ins once they no longer count for throttling."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from vinculo.accounts.models import LoginFailure
from vinculo.core.jobs import delete_in_batches


def prune_login_failures(now: dt.datetime | None = None) -> int:
    """Delete failed sign-ins older than the throttling window."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    return delete_in_batches(LoginFailure.objects.filter(at__lt=cutoff))


@db_periodic_task(crontab(minute="*/10"))
def prune_login_failures_job() -> int:
    """Every ten minutes (the throttle also purges on each failure; this catches quiet times)."""
    return prune_login_failures()
