"""Writers of the composed pages' own state."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from vinculo.core import extensions
from vinculo.core.errors import NotFound
from vinculo.pages.models import DismissedWidget


def dismiss_widget(*, actor: Any, key: str) -> None:
    """Hide a dismissible home-page widget for `actor`, for good. Doing it twice is fine."""
    widget = extensions.get_widget(key)
    if widget is None or not widget.dismissible or not widget.allows(actor):
        raise NotFound()
    try:
        with transaction.atomic():
            DismissedWidget.objects.get_or_create(user_id=actor.pk, key=key)
    except IntegrityError:
        pass  # the same user dismissing in two tabs at once: the first one won
