"""The Customer 360 page: identity, contact points, figures, tasks, timeline, history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction, make_task
from vinculo.customers.models import Customer, CustomFieldDefinition
from vinculo.customers.services import ContactIn, CustomerData, update_customer


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on English text whatever the default language and its catalogues."""
    settings.LANGUAGE_CODE = "en"


def url(c: Customer) -> str:
    return f"/customers/{c.pk}/"


def test_anonymous_is_sent_to_login(client, owner):
    customer = make_customer(owner, name="Ana")
    response = client.get(url(customer))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_owner_sees_identity_contacts_and_every_action(client, owner):
    CustomFieldDefinition.objects.create(key="since", label="Client since", field_type="date")
    CustomFieldDefinition.objects.create(key="vip", label="VIP", field_type="boolean")
    org = make_customer(owner, name="Acme Ltda", kind="organization")
    customer = make_customer(
        owner,
        name="Ana Souza",
        organization_id=org.pk,
        job_title="Buyer",
        emails=["ana@example.com"],
        phones=["11987654321", "+351 912 345 678"],
        tax_id="11144477735",
        stage="customer",
        source="referral",
        tags=["vip"],
        notes="Prefers <email>\nafter 10h",
        birth_date=dt.date(1990, 5, 17),
        custom={"since": "2020-02-01", "vip": True},
    )
    client.force_login(owner)
    response = client.get(url(customer))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="/customers/{org.pk}/">Acme Ltda</a>' in html
    assert "Buyer" in html and "111.444.777-35" in html and "CPF (Brazil)" in html
    assert 'href="mailto:ana@example.com"' in html
    assert 'href="tel:+5511987654321"' in html and "(11) 98765-4321" in html
    assert "+351 912 345 678" in html
    assert "Referral" in html and "vip" in html
    assert "Prefers &lt;email&gt;\nafter 10h" in html
    assert "17/05/1990" in html or "05/17/1990" in html
    assert "Client since" in html and "VIP" in html and "Yes" in html
    assert "02/01/2020" in html or "01/02/2020" in html  # a date field, localised
    for element in [
        'id="quicklog-call"',
        'id="quicklog-note"',
        'id="quicklog-meeting"',
        'id="timeline"',
        'id="edit-customer"',
        'id="delete-customer"',
        f'href="/customers/{customer.pk}/log/"',
        'id="task-new"',
    ]:
        assert element in html, element
    assert 'name="duration_minutes"' in html and 'name="body"' in html


def test_organization_lists_its_people(client, owner, outsider):
    org = make_customer(owner, name="Acme Ltda", kind="organization")
    ana = make_customer(owner, name="Ana", organization_id=org.pk, job_title="Buyer")
    client.force_login(owner)
    html = client.get(url(org)).content.decode()
    assert f'<a href="/customers/{ana.pk}/">Ana</a>' in html
    assert response_figure(html, "People") == "1"


def response_figure(html: str, label: str) -> str:
    """The number shown in the key figure box with this label."""
    import re

    match = re.search(r"<b>([^<]*)</b> " + re.escape(label) + "</div>", html)
    assert match, label
    return match.group(1)


def test_key_figures_are_real(client, owner):
    customer = make_customer(owner, name="Ana")
    yesterday = timezone.now() - dt.timedelta(days=1)
    make_interaction(owner, customer, occurred_at=yesterday)
    make_interaction(owner, customer, channel="note", subject="n")
    make_task(owner, customer=customer, due_date=timezone.localdate() - dt.timedelta(days=2))
    make_task(owner, customer=customer)
    done = make_task(owner, customer=customer)
    from vinculo.timeline.services import set_task_done

    set_task_done(actor=owner, task=done, done=True, expected_version=None)
    client.force_login(owner)
    html = client.get(url(customer)).content.decode()
    assert response_figure(html, "Interactions") == "2"
    assert response_figure(html, "Open tasks") == "2"
    assert response_figure(html, "Overdue tasks") == "1"
    assert "People</div>" not in html


def test_teammate_sees_but_gets_no_edit_delete_or_log_controls(client, owner, teammate):
    customer = make_customer(owner, name="Ana")
    client.force_login(teammate)
    response = client.get(url(customer))
    html = response.content.decode()
    assert response.status_code == 200 and "Ana" in html
    for element in [
        'id="quicklog-call"',
        'id="edit-customer"',
        'id="delete-customer"',
        f'href="/customers/{customer.pk}/log/"',
    ]:
        assert element not in html, element
    assert 'id="timeline"' in html


def test_service_agent_may_log_but_not_edit(client, owner):
    customer = make_customer(owner, name="Ana")
    client.force_login(make_user("service"))
    html = client.get(url(customer)).content.decode()
    assert 'id="quicklog-call"' in html
    assert 'id="edit-customer"' not in html


def test_outsider_gets_404(client, owner, outsider):
    customer = make_customer(owner, name="Ana")
    client.force_login(outsider)
    assert client.get(url(customer)).status_code == 404
    assert client.get("/customers/999999/").status_code == 404


def test_html_in_user_content_is_escaped(client, owner):
    customer = make_customer(owner, name="<script>alert('x')</script>")
    make_interaction(owner, customer, subject="<i>subj</i>", body="<b>bold</b>\nnext line")
    client.force_login(owner)
    html = client.get(url(customer)).content.decode()
    assert "<script>alert(" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)" in html
    assert "<i>subj</i>" not in html and "&lt;i&gt;subj&lt;/i&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;\nnext line" in html


def test_probable_duplicates_warning_links_to_them(client, owner, outsider):
    customer = make_customer(owner, name="Ana", emails=["ana@example.com"])
    twin = make_customer(owner, name="Ana S.", emails=["ana@example.com"])
    make_customer(outsider, name="Hidden twin", emails=["ana@example.com"])
    client.force_login(owner)
    html = client.get(url(customer)).content.decode()
    assert "This customer may be a duplicate of:" in html
    assert f'<a href="/customers/{twin.pk}/">Ana S.</a>' in html
    assert "Hidden twin" not in html


def test_history_shows_who_changed_what_escaped(client, owner):
    customer = make_customer(owner, name="Ana", stage="lead")
    update_customer(
        actor=owner,
        customer=Customer.objects.get(pk=customer.pk),
        data=CustomerData(
            name="<b>Ana</b>", stage="customer", emails=[ContactIn("ana@example.com")]
        ),
        expected_version=1,
    )
    client.force_login(owner)
    html = client.get(url(customer)).content.decode()
    section = html[html.index('id="history"') :]
    assert "updated" in section and "created" in section
    assert "<code>Lead</code> → <code>Customer</code>" in section
    assert "<code>Ana</code> → <code>&lt;b&gt;Ana&lt;/b&gt;</code>" in section
    assert "<code>—</code> → <code>ana@example.com</code>" in section
    assert str(owner) in section


def test_query_count_is_bounded(client, owner, django_assert_max_num_queries):
    org = make_customer(owner, name="Acme", kind="organization")
    customer = make_customer(
        owner,
        name="Ana",
        organization_id=org.pk,
        tags=["a", "b"],
        emails=["ana@example.com"],
        phones=["11987654321"],
    )
    for i in range(30):
        make_interaction(owner, customer, subject=f"Call {i}")
    for i in range(8):
        make_task(owner, customer=customer, due_date=timezone.localdate() + dt.timedelta(days=i))
    for i in range(5):
        make_customer(owner, name=f"Person {i}", organization_id=org.pk)
    client.force_login(owner)
    with django_assert_max_num_queries(26):
        response = client.get(url(customer))
    assert response.content.decode().count('class="entry channel-call"') == 20
    with django_assert_max_num_queries(26):
        client.get(url(org))
