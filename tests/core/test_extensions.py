"""The registries through which apps add themselves to pages they do not own."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from vinculo.core import extensions as ext

CUSTOMER = "customers.customer"


def _context(request, obj):
    return {"name": obj.name}


def test_every_app_registers_through_its_extensions_module(db):
    """Found without any lower app importing a higher one (discovered like api routers)."""
    keys = {(p.target, p.key) for p in ext.PANELS.all()}
    assert {(CUSTOMER, "figures"), (CUSTOMER, "tasks"), (CUSTOMER, "timeline")} <= keys
    assert {w.key for w in ext.WIDGETS.all()} >= {"due_tasks", "recent_activity", "getting_started"}
    assert [g.key for g in ext.SEARCH_GROUPS.all()][:1] == ["customers"]
    assert [s.key for s in ext.SETTINGS_SECTIONS.all()] == [
        "users",
        "teams",
        "roles",
        "fields",
        "product_fields",
        "outbox",
    ]
    assert [c.key for c in ext.CHECKLIST.all()] == [
        "users",
        "custom_fields",
        "customers",
        "first_interaction",
    ]


def test_the_timeline_is_the_first_panel_of_its_regions(db):
    first = {}
    for panel in ext.PANELS.all():
        if panel.target == CUSTOMER:
            first.setdefault(panel.region, panel.key)
    assert first == {"actions": "log", "top": "figures", "side": "tasks", "main": "timeline"}


def test_a_key_registered_twice_fails_loudly(db):
    panel = ext.Panel(CUSTOMER, "twice", "Twice", "core/_panel.html", _context)
    with ext.PANELS.temporarily(panel):
        with pytest.raises(ImproperlyConfigured):
            ext.register_panel(panel)
    with pytest.raises(ImproperlyConfigured):
        ext.register_panel(ext.Panel(CUSTOMER, "x", "X", "t.html", _context, region="footer"))


def test_items_come_in_order_then_by_key(db):
    late = ext.SearchGroup("zz-late", "Late", lambda u, q, n: [], "t.html", order=1)
    early = ext.SearchGroup("aa-early", "Early", lambda u, q, n: [], "t.html", order=1)
    with ext.SEARCH_GROUPS.temporarily(late), ext.SEARCH_GROUPS.temporarily(early):
        assert [g.key for g in ext.SEARCH_GROUPS.all()][:3] == ["aa-early", "zz-late", "customers"]
    assert ext.SEARCH_GROUPS.get("zz-late") is None


def test_who_may_see_a_panel(owner, teammate, outsider):
    customer = make_customer(owner, name="Ana")
    analytics = ext.Panel(
        CUSTOMER, "scores", "Scores", "t.html", _context, capability="can_use_analytics"
    )
    own_only = ext.Panel(
        CUSTOMER, "mine", "Mine", "t.html", _context, visible=lambda u, c: c.owner_id == u.pk
    )
    assert not analytics.allows(owner, customer)
    assert analytics.allows(make_user("analyst"), customer)
    assert own_only.allows(owner, customer) and not own_only.allows(teammate, customer)
    owner.is_active = False
    assert not own_only.allows(owner, customer)
    assert not own_only.allows(None, customer)


def test_lazy_panels_carry_only_their_url(owner, test_templates):
    customer = make_customer(owner, name="Ana <b>")
    request = RequestFactory().get("/")
    request.user = owner
    eager = ext.Panel(CUSTOMER, "eager", "Eager", "tests/panel.html", _context, region="side")
    lazy = ext.Panel(CUSTOMER, "lazy", "Lazy", "tests/panel.html", _context, lazy=True)
    calls = []
    lazy_with_spy = ext.Panel(
        CUSTOMER,
        "spy",
        "Spy",
        "tests/panel.html",
        lambda r, c: calls.append(c) or {},
        lazy=True,
    )
    with (
        ext.PANELS.temporarily(eager),
        ext.PANELS.temporarily(lazy),
        ext.PANELS.temporarily(lazy_with_spy),
    ):
        regions = ext.bind_panels(request, CUSTOMER, customer, url=lambda key: f"/p/{key}/")
    side = {b.key: b for b in regions["side"]}
    main = {b.key: b for b in regions["main"]}
    assert side["eager"].url == "/p/eager/" and not side["eager"].lazy
    assert "Probe for Ana &lt;b&gt;" in side["eager"].html  # rendered, escaped
    assert main["lazy"].lazy and main["lazy"].html == "" and main["lazy"].url == "/p/lazy/"
    assert calls == []  # a lazy panel's context is not computed with the page


def test_search_asks_only_the_groups_the_user_may_search(owner, admin):
    asked = []

    def search(user, q, limit):
        asked.append((user.pk, q, limit))
        return ["x"]

    group = ext.SearchGroup(
        "settings-only",
        "Settings",
        search,
        "t.html",
        capability="can_manage_settings",
        more_url=lambda q: f"/more/?q={q}",
    )
    with ext.SEARCH_GROUPS.temporarily(group):
        assert "settings-only" not in [r.group.key for r in ext.run_search(owner, "ana", 5)]
        found = {r.group.key: r for r in ext.run_search(admin, "ana", 5)}
    assert found["settings-only"].results == ["x"]
    assert found["settings-only"].more_url == "/more/?q=ana"
    assert asked == [(admin.pk, "ana", 5)]
