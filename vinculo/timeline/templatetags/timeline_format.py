"""Display filters for the logbook."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds: int | None) -> str:
    """A call or meeting length: "45 min", "1 h 05 min"."""
    if seconds is None:
        return ""
    minutes = (int(seconds) + 59) // 60
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}
