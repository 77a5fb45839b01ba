"""The settings hub and tabs list the sections apps register; accounts imports none of them."""

from __future__ import annotations

import re

from django.urls import reverse

from vinculo.core import extensions as ext

HUB = reverse("accounts:settings")


def hub_links(html: str) -> list[str]:
    return re.findall(r'<h2><a href="([^"]+)">', html)


def test_hub_links_every_registered_section_in_order(client, admin):
    client.force_login(admin)
    html = client.get(HUB).content.decode()
    assert hub_links(html) == [
        reverse("accounts:users"),
        reverse("accounts:teams"),
        reverse("accounts:roles"),
        reverse("customers:custom_fields"),  # registered by the customers app
        reverse("sales:custom_fields"),  # the products' fields, registered by sales
        reverse("pages:outbox"),  # the kernel's event deliveries, registered by pages
    ]
    assert "Extra fields on customers" in html


def test_a_new_section_appears_in_hub_and_tabs(client, admin):
    section = ext.SettingsSection(
        key="probe",
        title="Probe settings",
        description="Registered by a later app.",
        url_name="accounts:profile",
        order=35,
    )
    client.force_login(admin)
    with ext.SETTINGS_SECTIONS.temporarily(section):
        html = client.get(HUB).content.decode()
        tabs = client.get(reverse("customers:custom_fields")).content.decode()
    assert hub_links(html)[3] == reverse("accounts:profile")
    assert "Registered by a later app." in html
    assert f'<a href="{reverse("accounts:profile")}">Probe settings</a>' in tabs
    current = f'<a href="{reverse("customers:custom_fields")}" aria-current="true">'
    assert current in tabs
