"""Accounts jobs: forget failed sign-ins and reset requests once they no longer count for
throttling; send password-reset emails."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from vinculo.accounts import password_reset
from vinculo.accounts.models import LoginFailure, PasswordResetRequest, User
from vinculo.core.jobs import delete_in_batches

logger = logging.getLogger(__name__)


def prune_login_failures(now: dt.datetime | None = None) -> int:
    """Delete failed sign-ins older than the throttling window, and reset requests older
    than theirs."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    deleted = delete_in_batches(LoginFailure.objects.filter(at__lt=cutoff))
    cutoff = now - dt.timedelta(seconds=settings.PASSWORD_RESET_WINDOW_SECONDS)
    return deleted + delete_in_batches(PasswordResetRequest.objects.filter(at__lt=cutoff))


@db_periodic_task(crontab(minute="*/10"))
def prune_login_failures_job() -> int:
    """Every ten minutes (the throttle also purges on each failure; this catches quiet times)."""
    return prune_login_failures()


@db_task(retries=3, retry_delay=60)
def send_password_reset(user_id: int, base_url: str) -> bool:
    """Email a reset link to one account (after the request was answered, so the answer's
    timing reveals nothing). Runs again harmlessly: a second link, both valid until used.
    SMTP errors raise, and Huey retries."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or not user.has_usable_password():
        return False
    password_reset.message(user, base_url).send()
    logger.info("Password reset link sent to user %s", user_id)
    return True
