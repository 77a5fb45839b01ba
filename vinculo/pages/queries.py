"""Read side of the composed pages."""

from __future__ import annotations

from typing import Any

from vinculo.pages.models import DismissedWidget


def dismissed_keys(user: Any) -> set[str]:
    """Keys of the home-page widgets `user` hid (a handful of rows per user at most)."""
    return set(DismissedWidget.objects.filter(user_id=user.pk).values_list("key", flat=True))
