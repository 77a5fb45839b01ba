"""How logbook changes read in History (see core.history)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from vinculo.core.history import HistoryFormat
from vinculo.timeline.models import Interaction
from vinculo.timeline.templatetags.timeline_format import duration


def _duration(value: Any) -> str:
    return duration(int(value)) if str(value).isdigit() else str(value)


FORMATS = {
    Interaction: HistoryFormat(
        labels={"duration_seconds": _("duration")}, values={"duration_seconds": _duration}
    ),
}
