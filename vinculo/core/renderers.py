"""The form renderer: Django's own, except that the common widgets are written in Python.

Django renders every <option>, <input>, <textarea> and <label> through small templates; a
select of a hundred users (task assignee, customer owner) costs a few milliseconds, and
the 360 page's quick-log and task forms (some forty fields and labels) about ten, on every
page view. The output is the same markup, byte for byte (see tests/core/test_renderers.py);
widgets with other templates (radio, checkbox lists, file inputs, a project's own) still
use them.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
TEXTAREA = "django/forms/widgets/textarea.html"
LABEL = "django/forms/label.html"
# Widget templates that are only {% include "django/forms/widgets/input.html" %}.
INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input checkbox color date datetime email hidden number password search tel text time url"
    ).split()
)


def _attrs(attrs: dict[str, Any] | None) -> str:
    out = []
    for name, value in (attrs or {}).items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{conditional_escape(str(value))}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _textarea(widget: dict[str, Any]) -> str:
    value = widget["value"]
    text = conditional_escape(value) if value else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{text}</textarea>"
    )


def _label(context: dict[str, Any]) -> str:
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return str(label).strip()
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


class Renderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in INPUTS and "widget" in context:
            return _input(context["widget"])
        if template_name == TEXTAREA and "widget" in context:
            return _textarea(context["widget"])
        if template_name == LABEL and "use_tag" in context:
            return _label(context)
        widget = context.get("widget") if template_name == SELECT else None
        if widget is None or any(
            option["template_name"] != OPTION
            for _group, options, _index in widget["optgroups"]
            for option in options
        ):
            return super().render(template_name, context, request)  # type: ignore[no-any-return]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts).strip()
