"""Registries through which an app adds itself to pages it does not own.

A lower app never imports a higher one: the customer page does not know the logbook, the
home page knows no app at all. Instead each app has an `extensions.py` module that registers
what it brings (Customer 360 panels, home-page widgets, global-search result groups, settings
sections, getting-started checklist items). The modules are imported once, on first use,
the way the API finds each app's `api.router` (core/api/site.py) and Django's admin finds
`admin.py`. See docs/development/extension-points.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.module_loading import module_has_submodule
from django.utils.safestring import SafeString, mark_safe

MODULE = "extensions"

# Where a page puts a panel. The customer page: "actions" (buttons beside the title),
# "top" (figures across the page), "side" (the left column, under identity and contact)
# and "main" (the right column).
REGIONS = ("actions", "top", "side", "main")

UserCheck = Callable[[Any], bool]
ObjectCheck = Callable[[Any, Any], bool]


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _has(user: Any, capability: str) -> bool:
    return not capability or bool(user.has_capability(capability))


@dataclass(frozen=True)
class Panel:
    """A section of a record's page (the Customer 360 page: target "customers.customer")."""

    target: str  # label of the record's model, e.g. "customers.customer"
    key: str  # unique per target; also the panel URL's last part
    title: Any  # lazily translated
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any]]  # (request, record) -> context
    order: int = 100
    region: str = "main"
    visible: ObjectCheck | None = None  # (user, record) -> may this user see it?
    capability: str = ""  # a role capability the viewer needs, e.g. "can_use_analytics"
    lazy: bool = False  # loaded by a second request (htmx), so a slow panel never blocks

    def allows(self, user: Any, obj: Any) -> bool:
        if not _signed_in(user) or not _has(user, self.capability):
            return False
        return self.visible is None or bool(self.visible(user, obj))


@dataclass(frozen=True)
class Widget:
    """A block of the home page ("Today"). `context` returns None when there is nothing
    worth showing (the widget is then left out)."""

    key: str
    title: Any
    template: str
    context: Callable[[HttpRequest], dict[str, Any] | None]
    order: int = 100
    region: str = "main"  # "main" or "side"
    visible: UserCheck | None = None
    capability: str = ""
    lazy: bool = False
    dismissible: bool = False  # the user may hide it for good

    def allows(self, user: Any) -> bool:
        if not _signed_in(user) or not _has(user, self.capability):
            return False
        return self.visible is None or bool(self.visible(user))


@dataclass(frozen=True)
class SearchGroup:
    """One kind of record in global search (customers, deals, tickets…).

    `search(user, q, limit)` returns at most `limit` records `user` may read, best first.
    `page(user, q, size, cursor)`, if given, returns one page of them and the cursor of the
    next page (None on the last), so the results page can walk every match; an unreadable
    cursor raises ValidationFailed. `template` renders results in the top-bar dropdown
    (each result a link with role="option"), `page_template` on the results page; both get
    `results`, `q`, `group`. `more_url(q)` leads to the records' own list, if any."""

    key: str
    title: Any
    search: Callable[[Any, str, int], list[Any]]
    template: str
    page_template: str = ""
    order: int = 100
    visible: UserCheck | None = None
    capability: str = ""
    more_url: Callable[[str], str] | None = None
    page: Callable[[Any, str, int, str | None], tuple[list[Any], str | None]] | None = None

    def allows(self, user: Any) -> bool:
        if not _signed_in(user) or not _has(user, self.capability):
            return False
        return self.visible is None or bool(self.visible(user))


@dataclass(frozen=True)
class SettingsSection:
    """A page of the administrators' settings, linked from the settings hub and tabs."""

    key: str
    title: Any
    description: Any
    url_name: str
    order: int = 100
    capability: str = "can_manage_settings"

    def allows(self, user: Any) -> bool:
        return _signed_in(user) and _has(user, self.capability)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class ChecklistItem:
    """A step of the getting-started checklist of a new installation. `done()` must be
    cheap at any size (an EXISTS query, never a COUNT)."""

    key: str
    title: Any
    done: Callable[[], bool]
    url_name: str
    order: int = 100
    visible: UserCheck | None = None
    capability: str = ""
    help: Any = ""

    def allows(self, user: Any) -> bool:
        if not _signed_in(user) or not _has(user, self.capability):
            return False
        return self.visible is None or bool(self.visible(user))

    @property
    def url(self) -> str:
        return reverse(self.url_name)


T = TypeVar("T")


class Registry(Generic[T]):
    """Items by key, read in (order, key) order. Registering a key twice is a mistake in an
    app's extensions module, so it fails loudly at start-up instead of hiding one item."""

    def __init__(self, name: str, key: Callable[[T], Hashable]) -> None:
        self.name = name
        self._key = key
        self._items: dict[Hashable, T] = {}

    def register(self, item: T) -> T:
        key = self._key(item)
        if key in self._items:
            raise ImproperlyConfigured(f"{self.name} {key!r} is registered twice")
        self._items[key] = item
        return item

    def unregister(self, key: Hashable) -> None:
        self._items.pop(key, None)

    def get(self, key: Hashable) -> T | None:
        discover()
        return self._items.get(key)

    def all(self) -> list[T]:
        discover()
        return sorted(
            self._items.values(),
            key=lambda item: (getattr(item, "order", 100), str(self._key(item))),
        )

    @contextmanager
    def temporarily(self, item: T) -> Iterator[T]:
        """Register `item` for the duration of a block (tests)."""
        self.register(item)
        try:
            yield item
        finally:
            self.unregister(self._key(item))


PANELS: Registry[Panel] = Registry("Panel", lambda p: (p.target, p.key))
WIDGETS: Registry[Widget] = Registry("Widget", lambda w: w.key)
SEARCH_GROUPS: Registry[SearchGroup] = Registry("Search group", lambda g: g.key)
SETTINGS_SECTIONS: Registry[SettingsSection] = Registry("Settings section", lambda s: s.key)
CHECKLIST: Registry[ChecklistItem] = Registry("Checklist item", lambda c: c.key)

_discovered = False
_lock = threading.Lock()


def discover() -> None:
    """Import every installed Vínculo app's `extensions` module, once per process, in
    INSTALLED_APPS order (third-party apps are not asked)."""
    global _discovered
    if _discovered:
        return
    with _lock:
        if not _discovered:
            for config in apps.get_app_configs():
                if config.name.startswith("vinculo.") and module_has_submodule(
                    config.module, MODULE
                ):
                    import_module(f"{config.name}.{MODULE}")
            _discovered = True


# --- registering ---------------------------------------------------------------------------


def register_panel(panel: Panel) -> Panel:
    if panel.region not in REGIONS:
        raise ImproperlyConfigured(f"Panel {panel.key!r}: region must be one of {REGIONS}")
    return PANELS.register(panel)


def register_widget(widget: Widget) -> Widget:
    return WIDGETS.register(widget)


def register_search_group(group: SearchGroup) -> SearchGroup:
    return SEARCH_GROUPS.register(group)


def register_settings_section(section: SettingsSection) -> SettingsSection:
    return SETTINGS_SECTIONS.register(section)


def register_checklist_item(item: ChecklistItem) -> ChecklistItem:
    return CHECKLIST.register(item)


# --- reading -------------------------------------------------------------------------------


def panels_for(target: str, user: Any, obj: Any) -> list[Panel]:
    """The panels of `target` pages that `user` may see on `obj`, in order."""
    return [p for p in PANELS.all() if p.target == target and p.allows(user, obj)]


def get_panel(target: str, key: str) -> Panel | None:
    return PANELS.get((target, key))


def widgets_for(user: Any) -> list[Widget]:
    return [w for w in WIDGETS.all() if w.allows(user)]


def get_widget(key: str) -> Widget | None:
    return WIDGETS.get(key)


def search_groups_for(user: Any) -> list[SearchGroup]:
    return [g for g in SEARCH_GROUPS.all() if g.allows(user)]


def settings_sections_for(user: Any) -> list[SettingsSection]:
    return [s for s in SETTINGS_SECTIONS.all() if s.allows(user)]


def checklist_for(user: Any) -> list[ChecklistItem]:
    return [c for c in CHECKLIST.all() if c.allows(user)]


# --- rendering -----------------------------------------------------------------------------


@dataclass
class BoundPanel:
    """A panel ready for a page: its HTML, or (lazy panels) the URL that will fetch it."""

    panel: Panel
    html: SafeString
    url: str

    @property
    def key(self) -> str:
        return self.panel.key

    @property
    def title(self) -> Any:
        return self.panel.title

    @property
    def lazy(self) -> bool:
        return self.panel.lazy


def render_panel(request: HttpRequest, panel: Panel, obj: Any) -> SafeString:
    """The panel's own template with its context (plus `object` and `panel`)."""
    context = {**panel.context(request, obj), "object": obj, "panel": panel}
    return mark_safe(render_to_string(panel.template, context, request=request))


def bind_panels(
    request: HttpRequest, target: str, obj: Any, url: Callable[[str], str]
) -> dict[str, list[BoundPanel]]:
    """The visible panels of `obj`'s page by region; lazy ones only carry `url(key)`."""
    regions: dict[str, list[BoundPanel]] = {region: [] for region in REGIONS}
    for panel in panels_for(target, request.user, obj):
        html = SafeString("") if panel.lazy else render_panel(request, panel, obj)
        regions[panel.region].append(BoundPanel(panel=panel, html=html, url=url(panel.key)))
    return regions


@dataclass
class BoundWidget:
    """A widget ready for the home page (lazy ones carry only their URL)."""

    widget: Widget
    html: SafeString
    url: str

    @property
    def key(self) -> str:
        return self.widget.key

    @property
    def title(self) -> Any:
        return self.widget.title

    @property
    def lazy(self) -> bool:
        return self.widget.lazy


def render_widget(request: HttpRequest, widget: Widget) -> SafeString | None:
    """The widget's HTML, or None when it has nothing to show."""
    context = widget.context(request)
    if context is None:
        return None
    context = {**context, "widget": widget}
    return mark_safe(render_to_string(widget.template, context, request=request))


@dataclass
class SearchResults:
    """One group's answer to a global search."""

    group: SearchGroup
    results: list[Any]
    more_url: str
    next_cursor: str | None = None


def run_search(
    user: Any,
    q: str,
    limit: int,
    *,
    paged: bool = False,
    only: str = "",
    cursor: str | None = None,
) -> list[SearchResults]:
    """Every group `user` may search (or only the group `only`), asked for at most `limit`
    results each. `paged` (the results page) uses the groups' `page` where they have one,
    from `cursor` for the group `only`, so each answer carries its next cursor."""
    found = []
    for group in search_groups_for(user):
        if only and group.key != only:
            continue
        next_cursor = None
        if paged and group.page is not None:
            results, next_cursor = group.page(user, q, limit, cursor if only else None)
        else:
            results = group.search(user, q, limit)
        more = group.more_url(q) if group.more_url else ""
        found.append(
            SearchResults(
                group=group, results=list(results), more_url=more, next_cursor=next_cursor
            )
        )
    return found
