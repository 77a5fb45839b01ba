"""`{% select_options choices selected %}`: the <option> elements of a hand-written <select>.

A filter bar's owner list holds every user a person may filter by (a hundred or more);
written through the template engine each option costs several variable lookups on every
page that shows the bar. Written here in Python, the same markup costs almost nothing."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def select_options(choices: Iterable[Any], selected: Any = None, skip: Any = None) -> SafeString:
    """Options for `choices`, each a (value, label) pair or an object with `pk` and a label
    as its text (users). `selected` is compared as text (a query parameter); a choice whose
    value equals `skip` is left out (e.g. the viewer, already offered as "Me")."""
    chosen = "" if selected is None else str(selected)
    skipped = None if skip is None else str(skip)
    out = []
    for choice in choices:
        if isinstance(choice, tuple | list):
            value, label = choice
        else:
            value, label = choice.pk, choice
        value = str(value)
        if value == skipped:
            continue
        mark = " selected" if value == chosen and chosen != "" else ""
        out.append(f'<option value="{html.escape(value)}"{mark}>{html.escape(str(label))}</option>')
    return mark_safe("".join(out))  # noqa: S308 - every value and label escaped above
