"""Template tags reading the core registries: {% settings_sections as sections %}."""

from __future__ import annotations

from typing import Any

from django import template

from vinculo.core import extensions

register = template.Library()


@register.simple_tag(takes_context=True)
def settings_sections(context: Any) -> list[extensions.SettingsSection]:
    """The settings sections the signed-in user may open, in order."""
    request = context.get("request")
    return extensions.settings_sections_for(getattr(request, "user", None))
