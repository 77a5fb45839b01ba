"""`{% field_block field %}`: one form field with its label, help text and errors.

Every form page shows a field through the same wrapper; as an included template it cost
an include and a dozen lookups per field (the 360 page's quick-log and task forms hold
about twenty fields). Written here, it gives the same markup for a fraction of that."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def field_block(field: Any, applies: str = "", hide: bool = False) -> SafeString:
    """The field's <div class="field">: label, widget, help text, errors. `applies`: the
    customer kind a field belongs to (the form shows or hides it as the kind changes),
    `hide` whether it starts hidden."""
    errors = field.errors
    css = "field has-error" if errors else "field"
    data = ""
    if applies:
        data = f' data-applies="{conditional_escape(applies)}"' + (" hidden" if hide else "")
    help_html = ""
    if field.help_text:
        help_html = (
            f'<div class="helptext" id="{conditional_escape(field.auto_id)}_helptext">'
            f"{conditional_escape(field.help_text)}</div>"
        )
    return mark_safe(  # noqa: S308 - label, widget and errors are Django's safe HTML
        f'<div class="{css}"{data}>\n  {field.label_tag()}\n  {field}\n  {help_html}\n'
        f"  {errors}\n</div>"
    )
