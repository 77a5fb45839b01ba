"""The 360 page's key figures count only what the viewer may see, so a figure never promises
rows that the lists under it do not show."""

from __future__ import annotations

import re

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction, make_task
from vinculo.customers.models import Customer
from vinculo.timeline.queries import key_figures


def figure(html: str, label: str) -> str:
    found = re.search(r"<b>([^<]*)</b> " + re.escape(label), html)
    assert found, label
    return found.group(1)


def test_open_tasks_count_what_the_viewer_sees(client, owner, teammate, outsider):
    """An administrator gives the outsider a task on the owner's customer: the teammate
    reads the customer but not that task, so it is not in their count either."""
    admin = make_user("administrator")
    customer = make_customer(owner, name="Ana")
    make_task(admin, title="Hidden from the team", customer=customer, assignee_id=outsider.pk)
    assert key_figures(customer, teammate).open_tasks == 0
    assert key_figures(customer, teammate).overdue_tasks == 0
    assert key_figures(customer, admin).open_tasks == 1
    client.force_login(teammate)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert figure(page, "Open tasks") == "0"
    assert "Hidden from the team" not in page
    make_task(owner, title="Seen by the team", customer=customer)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert figure(page, "Open tasks") == "1" and "Seen by the team" in page
    client.force_login(admin)
    assert figure(client.get(f"/customers/{customer.pk}/").content.decode(), "Open tasks") == "2"


def test_people_count_what_the_viewer_sees(client, owner, teammate, outsider):
    org = make_customer(owner, name="Acme", kind=Customer.Kind.ORGANIZATION)
    make_customer(owner, name="Bia", organization_id=org.pk)
    admin = make_user("administrator")
    far = make_customer(admin, name="Caio", organization_id=org.pk, owner_id=outsider.pk)
    assert far.owner_id == outsider.pk
    assert key_figures(org, teammate).people == 1
    assert key_figures(org, admin).people == 2
    client.force_login(teammate)
    page = client.get(f"/customers/{org.pk}/").content.decode()
    assert figure(page, "People") == "1" and "Caio" not in page


def test_interactions_of_a_visible_customer_are_all_counted(owner, teammate):
    customer = make_customer(owner, name="Ana")
    make_interaction(owner, customer)
    make_interaction(owner, customer)
    figures = key_figures(customer, teammate)
    assert figures.interactions == 2 and figures.last_contact is not None
