"""Display filters for the logbook."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from vinculo.core.web import pk_url

register = template.Library()


def esc(value: Any) -> str:
    """HTML-escape a value as the template engine does (& < > " ' replaced)."""
    return html.escape(str(value), quote=True)


@register.filter
def duration(seconds: int | None) -> str:
    """A call or meeting length: "45 min", "1 h 05 min"."""
    if seconds is None:
        return ""
    minutes = (int(seconds) + 59) // 60
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}


@register.simple_tag
def timeline_entries(entries: Iterable[Any]) -> SafeString:
    """The <li> of each timeline entry, written in Python.

    A timeline page (twenty entries) through the template engine cost about 5 ms of every
    customer 360 view; this writes the same markup in a fraction of it. Every value goes
    through `esc`. Entries carry `can_change` (views._with_rights) and their attachments
    prefetched (queries.timeline_page)."""
    from vinculo.timeline.models import Channel, Interaction

    channels = {value: str(label) for value, label in Channel.choices}
    directions = {value: str(label) for value, label in Interaction.Direction.choices}
    outcomes = {value: str(label) for value, label in Interaction.Outcome.choices}
    edit_url = pk_url("timeline:interaction_edit")
    file_url = pk_url("timeline:attachment")
    edit_label = esc(_("Edit"))
    out = []
    for entry in entries:
        when = timezone.localtime(entry.occurred_at)
        meta = [
            f"<strong>{esc(channels.get(entry.channel, entry.channel))}</strong> · "
            f"{esc(directions.get(entry.direction, entry.direction))} ·\n    "
            f'<time datetime="{esc(formats.date_format(when, "c"))}">'
            f"{esc(formats.date_format(when, 'SHORT_DATETIME_FORMAT'))}</time>\n    "
        ]
        if entry.created_by_id and entry.created_by is not None:
            meta.append(" · " + _("logged by %(who)s") % {"who": esc(entry.created_by)})
        meta.append("\n    ")
        if entry.duration_seconds is not None:
            meta.append(f" · {esc(duration(entry.duration_seconds))}")
        meta.append("\n    ")
        if entry.outcome:
            meta.append(f" · {esc(outcomes.get(entry.outcome, entry.outcome))}")
        meta.append("\n    ")
        if getattr(entry, "can_change", False):
            meta.append(f' · <a class="entry-edit" href="{edit_url(entry.pk)}">{edit_label}</a>')
        parts = [
            f'<li id="interaction-{int(entry.pk)}" class="entry channel-{esc(entry.channel)}">\n'
            f'  <div class="meta">\n    {"".join(meta)}\n  </div>\n  '
        ]
        if entry.subject:
            parts.append(f'<div class="subject"><strong>{esc(entry.subject)}</strong></div>')
        parts.append("\n  ")
        if entry.body:
            parts.append(f'<div class="body">{esc(entry.body)}</div>')
        parts.append("\n  ")
        files = list(entry.attachments.all())
        if files:
            items = "".join(
                f'<li><a href="{file_url(a.pk)}">{esc(a.name)}</a> '
                f'<span class="muted">({esc(filesizeformat(a.size))})</span></li>'
                for a in files
            )
            parts.append(f'\n  <ul class="attachments">\n    {items}\n  </ul>\n  ')
        parts.append("\n</li>")
        out.append("".join(parts))
    return mark_safe("".join(out))  # noqa: S308 - every value in it went through esc()


@register.simple_tag
def timeline_entry(entry: Any) -> SafeString:
    """One entry's <li> (a newly logged one, swapped into the timeline)."""
    return timeline_entries([entry])
