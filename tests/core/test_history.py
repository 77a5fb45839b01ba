"""Readable audit history of any record (core.history.history_rows)."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import formats, translation

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction, make_task
from vinculo.core.context import channel
from vinculo.core.history import history_rows
from vinculo.customers.models import Customer, CustomFieldDefinition
from vinculo.customers.services import ContactIn, CustomerData, update_customer
from vinculo.timeline.models import Task
from vinculo.timeline.services import TaskData, update_task


def changes_of(row: dict) -> dict[str, tuple[str, str]]:
    return {c["field"]: (c["before"], c["after"]) for c in row["changes"]}


def edit(customer: Customer, actor, **fields) -> Customer:
    current = Customer.objects.get(pk=customer.pk)
    return update_customer(
        actor=actor, customer=current, data=CustomerData(**fields), expected_version=None
    )


def test_labels_choices_lists_and_dicts_are_readable(owner):
    CustomFieldDefinition.objects.create(key="vip", label="VIP", field_type="boolean")
    customer = make_customer(owner, name="Ana", stage="lead")
    edit(
        customer,
        owner,
        stage="customer",
        source="referral",
        emails=[ContactIn("ana@example.com"), ContactIn("ana@work.example.com")],
        custom={"vip": True},
    )
    rows = history_rows(customer, owner, extra_labels={"emails": "Emails"})
    assert [r["entry"].action for r in rows] == ["update", "create"]
    update = changes_of(rows[0])
    assert update["lifecycle stage"] == ("Lead", "Customer")  # verbose_name + choice labels
    assert update["source"] == ("—", "Referral")
    assert update["Emails"] == ("—", "ana@example.com, ana@work.example.com")  # extra label
    assert update["VIP"] == ("—", "Yes")  # a custom field by its label, its value by type
    assert changes_of(rows[1])["name"] == ("—", "Ana")


def test_related_rows_are_labelled_by_their_app(owner):
    customer = make_customer(owner, name="Ana", emails=["ana@example.com"])
    rows = history_rows(customer, owner)  # no extra labels given: customers/history.py
    assert changes_of(rows[0])["Emails"] == ("—", "ana@example.com")


def test_foreign_keys_show_names_only_of_records_the_viewer_reads(owner, outsider, admin):
    visible_org = make_customer(owner, name="Acme Visible", kind="organization")
    hidden_org = make_customer(outsider, name="Hidden Corp", kind="organization")
    person = make_customer(owner, name="Ana", organization_id=visible_org.pk)
    edit(person, admin, organization_id=hidden_org.pk)
    rows = history_rows(person, owner)
    assert changes_of(rows[0])["organization"] == ("Acme Visible", f"#{hidden_org.pk}")
    assert "Hidden Corp" not in repr(rows)
    # Someone who reads both organizations sees both names.
    assert changes_of(history_rows(person, admin)[0])["organization"] == (
        "Acme Visible",
        "Hidden Corp",
    )


def test_users_resolve_by_name(owner, team, admin):
    manager = make_user("manager", team=team, first_name="Maria")
    customer = make_customer(owner, name="Ana")
    edit(customer, admin, owner_id=manager.pk)
    assert changes_of(history_rows(customer, owner)[0])["owner"] == (str(owner), "Maria")


def test_one_query_per_related_model_whatever_the_number_of_entries(
    owner, team, admin, django_assert_num_queries
):
    others = [make_user("sales", team=team) for _ in range(3)]
    orgs = [make_customer(owner, name=f"Org {i}", kind="organization") for i in range(4)]
    customer = make_customer(owner, name="Ana")
    for i in range(12):
        edit(
            customer,
            admin,
            owner_id=others[i % 3].pk,
            organization_id=orgs[i % 4].pk,
            job_title=f"Title {i}",
        )
    owner.read_scope(), owner.teammate_ids()  # the viewer's role and team, loaded once
    # The entries (with their actors), the users, the customers: three queries.
    with django_assert_num_queries(3):
        rows = history_rows(customer, owner)
    assert len(rows) == 13
    assert changes_of(rows[0])["organization"] == ("Org 2", "Org 3")
    assert changes_of(rows[0])["owner"] == (str(others[1]), str(others[2]))


def test_limit_keeps_the_newest(owner):
    customer = make_customer(owner, name="Ana")
    for i in range(5):
        edit(customer, owner, job_title=f"T{i}")
    rows = history_rows(customer, owner, limit=2)
    assert [changes_of(r)["job title"][1] for r in rows] == ["T4", "T3"]


def test_dates_are_localised_and_the_channel_is_translated(owner):
    task = make_task(owner, title="Call Ana", due_date=dt.date(2031, 3, 4))
    with channel("job"):
        update_task(
            actor=owner,
            task=Task.objects.get(pk=task.pk),
            data=TaskData(due_date=dt.date(2031, 4, 5)),
            expected_version=None,
        )
    row = history_rows(task, owner)[0]
    before, after = changes_of(row)["due date"]
    assert after == formats.date_format(dt.date(2031, 4, 5), "SHORT_DATE_FORMAT")
    assert "2031-04-05" not in after and "2031" in before
    assert row["via"] == "automatic job"
    with translation.override("pt-br"):
        row = history_rows(task, owner)[0]
    assert row["via"] == "rotina automática"
    assert changes_of(row)["vencimento"][1] == "05/04/2031"


def test_interaction_history_names_its_customer(owner):
    customer = make_customer(owner, name="Ana")
    interaction = make_interaction(owner, customer, subject="Hi", outcome="interested")
    created = changes_of(history_rows(interaction, owner)[0])
    assert created["customer"] == ("—", "Ana")
    assert created["logged by"] == ("—", str(owner))
    assert created["outcome"] == ("—", "Interested")
    assert created["channel"] == ("—", "Phone call")


def test_the_360_page_shows_a_hidden_organization_as_an_id(client, owner, outsider, admin):
    hidden_org = make_customer(outsider, name="Hidden <Corp>", kind="organization")
    person = make_customer(owner, name="Ana")
    edit(person, admin, organization_id=hidden_org.pk, job_title="<i>Buyer</i>")
    client.force_login(owner)
    page = client.get(f"/customers/{person.pk}/").content.decode()
    history = page[page.index('<section class="card" id="history"') :]
    assert f"Organization: <code>—</code> → <code>#{hidden_org.pk}</code>" in history
    assert "Job title: <code>—</code> → <code>&lt;i&gt;Buyer&lt;/i&gt;</code>" in history
    assert "Hidden" not in page and "<i>Buyer</i>" not in page


def test_other_customers_are_audited_by_id_and_shown_only_when_visible(owner, outsider):
    from tests.customers.factories import make_customer
    from vinculo.core.history import history_rows
    from vinculo.timeline.services import InteractionData, log_interaction

    mine = make_customer(owner, name="Ana Visível")
    theirs = make_customer(outsider, name="Segredo Alheio")
    interaction = log_interaction(
        actor=outsider,
        customer=theirs,
        data=InteractionData(channel="note", body="x", other_customer_ids=[theirs.pk]),
    )
    rows = history_rows(interaction, owner)
    shown = " ".join(c["after"] for r in rows for c in r["changes"])
    assert "Segredo Alheio" not in shown and f"#{theirs.pk}" in shown
    assert mine.pk  # the owner's own customer is unaffected
    rows = history_rows(interaction, outsider)
    assert "Segredo Alheio" in " ".join(c["after"] for r in rows for c in r["changes"])


# --- values as people write them, the product's own labels -----------------------------


def test_tax_ids_phones_and_socials_are_formatted(owner):
    customer = make_customer(owner, name="Ana", tax_id="11144477735", phones=["11 98765-4321"])
    edit(
        customer,
        owner,
        phones=[ContactIn("11 98765-4321"), ContactIn("+351 912 345 678")],
        socials=[ContactIn("ana.s", platform="instagram")],
    )
    update, created = (changes_of(r) for r in history_rows(customer, owner))
    assert created["tax id"] == ("—", "111.444.777-35")
    assert created["Phones"] == ("—", "(11) 98765-4321")
    assert update["Phones"] == ("(11) 98765-4321", "(11) 98765-4321, +351 912 345 678")
    assert update["Social networks"] == ("—", "Instagram: ana.s")
    shown = repr([r["changes"] for r in history_rows(customer, owner)])
    assert "11144477735" not in shown and "+5511" not in shown


def test_custom_fields_read_by_label_and_type_in_the_users_language(owner):
    for key, label, kind, choices in [
        ("faturamento_anual", "Faturamento anual", "money", []),
        ("inicio", "Início do contrato", "date", []),
        ("vip", "Cliente VIP", "boolean", []),
        ("porte", "Porte", "choice", ["pequeno", "grande"]),
        ("funcionarios", "Funcionários", "number", []),
    ]:
        CustomFieldDefinition.objects.create(key=key, label=label, field_type=kind, choices=choices)
    customer = make_customer(owner, name="Acme", custom={"faturamento_anual": "1000"})
    edit(
        customer,
        owner,
        custom={
            "faturamento_anual": "1234.56",
            "inicio": "2031-03-04",
            "vip": True,
            "porte": "grande",
            "funcionarios": "12000",
        },
    )
    with translation.override("pt-br"):
        update = changes_of(history_rows(customer, owner)[0])
    assert update["Faturamento anual"] == ("R$\xa01.000,00", "R$\xa01.234,56")
    assert update["Início do contrato"] == ("—", "04/03/2031")
    assert update["Cliente VIP"] == ("—", "Sim")
    assert update["Porte"] == ("—", "grande")
    assert update["Funcionários"] == ("—", "12.000")
    assert "faturamento_anual" not in repr(update) and "custom" not in repr(update).lower()
    with translation.override("es"):
        update = changes_of(history_rows(customer, owner)[0])
    assert update["Faturamento anual"][1] == "1234,56\xa0R$"


def test_a_removed_custom_field_keeps_its_key_and_raw_value(owner):
    definition = CustomFieldDefinition.objects.create(key="old", label="Old", field_type="text")
    customer = make_customer(owner, name="Ana", custom={"old": "kept"})
    definition.delete()
    assert changes_of(history_rows(customer, owner)[0])["old"] == ("—", "kept")


def test_user_history_has_the_products_labels_not_djangos(admin):
    """The installation's first administrator is created as a superuser (createadmin):
    their history must not read "staff status"/"Membro da equipe" and the like."""
    from django.core.management import call_command

    from vinculo.accounts.models import User
    from vinculo.accounts.services import update_user

    call_command("createadmin", "--username", "root", stdout=io.StringIO())
    root = User.objects.get(username="root")
    update_user(
        actor=root, user=root, expected_version=root.version, first_name="Rita", language="es"
    )
    root = User.objects.get(username="root")
    for language, forbidden in [
        ("en", ["staff status", "superuser status", "is_staff", "is_superuser"]),
        ("pt-br", ["Membro da equipe", "Status de superusuário", "membro da equipe"]),
    ]:
        with translation.override(language):
            shown = repr([r["changes"] for r in history_rows(root, admin)])
        for label in forbidden:
            assert label not in shown, (language, label)
    with translation.override("en"):
        update, created = (changes_of(r) for r in history_rows(root, admin))
    assert created["Full access"] == ("—", "Yes")
    assert created["Role"][1] == "Administrator"
    assert update["First name"] == ("—", "Rita")
    assert update["Language"] == ("—", "español")


def test_a_call_length_reads_as_a_duration(owner):
    customer = make_customer(owner, name="Ana")
    interaction = make_interaction(owner, customer, subject="Hi", duration_seconds=720)
    created = changes_of(history_rows(interaction, owner)[0])
    assert created["duration"] == ("—", "12 min")
