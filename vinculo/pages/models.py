"""What the composed pages remember per user: the home-page widgets they hid."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DismissedWidget(models.Model):
    """A home-page widget a user chose to hide for good (e.g. the getting-started list).
    Written by pages.services.dismiss_widget only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=60)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="dismissed_widget_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
