"""Customers' places in shared pages (found by vinculo.core.extensions): the customers group
of global search, the custom fields settings section, and getting-started steps."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from vinculo.core import extensions as ext
from vinculo.core.tagging.models import CustomFieldDefinition
from vinculo.customers.models import Customer
from vinculo.customers.queries import with_list_relations
from vinculo.customers.search import search_customers, search_page


def search(user: Any, q: str, limit: int) -> list[Customer]:
    """The best matches by name, email, phone or tax id, with what the rows show."""
    return with_list_relations(search_customers(user, q, limit=limit))


def page(user: Any, q: str, size: int, cursor: str | None) -> tuple[list[Customer], str | None]:
    """One page of the matches in rank order and the cursor of the next one."""
    found = search_page(user, q, size=size, cursor=cursor)
    return with_list_relations(found.items), found.next_cursor


ext.register_search_group(
    ext.SearchGroup(
        key="customers",
        title=_("Customers"),
        search=search,
        page=page,
        template="customers/_search_options.html",
        page_template="customers/_search_table.html",
        order=10,
    )
)

ext.register_settings_section(
    ext.SettingsSection(
        key="fields",
        title=_("Custom fields"),
        description=_("Extra fields on customers: text, numbers, dates, choices and yes/no."),
        url_name="customers:custom_fields",
        order=40,
    )
)


def _may_add_customers(user: Any) -> bool:
    return bool(user.write_scope() != "none")


ext.register_checklist_item(
    ext.ChecklistItem(
        key="custom_fields",
        title=_("Add the custom fields your business needs"),
        help=_("Shoe size, contract number, annual revenue…: any extra field on customers."),
        done=lambda: CustomFieldDefinition.objects.exists(),
        url_name="customers:custom_fields",
        order=20,
        capability="can_manage_settings",
    )
)
ext.register_checklist_item(
    ext.ChecklistItem(
        key="customers",
        title=_("Add your customers"),
        help=_("Add them one by one for now; importing a spreadsheet comes later."),
        done=lambda: Customer.objects.exists(),
        url_name="customers:create",
        order=30,
        visible=_may_add_customers,
    )
)
