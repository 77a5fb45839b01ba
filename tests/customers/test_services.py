from __future__ import annotations

import pytest

from tests.customers.factories import make_customer
from vinculo.core.errors import NotAllowed, StaleVersion, ValidationFailed
from vinculo.core.models import AuditEntry, OutboxEvent
from vinculo.customers.models import Customer
from vinculo.customers.search import search_customers
from vinculo.customers.services import (
    ContactIn,
    CustomerData,
    create_customer,
    probable_duplicates,
    update_customer,
)


def test_create_normalises_contact_points_and_tax_id(owner):
    c = make_customer(
        owner,
        name="João da Silva",
        emails=["Joao.Silva@Example.COM"],
        phones=["(11) 98765-4321"],
        tax_id="111.444.777-35",
    )
    assert c.tax_id == "11144477735" and c.tax_id_type == "br_cpf"
    values = sorted(c.contact_points.values_list("value", flat=True))
    assert values == ["+5511987654321", "joao.silva@example.com"]
    entry = AuditEntry.objects.get(model="customers.customer", object_id=str(c.pk))
    assert entry.action == "create" and entry.changes["emails"] == [
        None,
        ["joao.silva@example.com"],
    ]
    assert OutboxEvent.objects.filter(name="customer.created", aggregate_id=str(c.pk)).exists()


def test_invalid_input_is_refused_field_by_field_and_nothing_saved(owner):
    with pytest.raises(ValidationFailed) as err:
        create_customer(
            actor=owner,
            data=CustomerData(
                name="X",
                tax_id="111.111.111-11",
                emails=[ContactIn("nope")],
                phones=[ContactIn("123")],
            ),
        )
    assert set(err.value.errors) == {"tax_id", "emails", "phones"}
    assert not Customer.objects.exists()


def test_stale_version_is_refused(owner):
    c = make_customer(owner, name="Ana")
    first = Customer.objects.get(pk=c.pk)
    second = Customer.objects.get(pk=c.pk)
    update_customer(
        actor=owner, customer=first, data=CustomerData(name="Ana B"), expected_version=1
    )
    with pytest.raises(StaleVersion):
        update_customer(
            actor=owner, customer=second, data=CustomerData(name="Ana C"), expected_version=1
        )
    assert Customer.objects.get(pk=c.pk).name == "Ana B"


def test_teammate_cannot_change_and_outsider_cannot_see(owner, teammate, outsider):
    c = make_customer(owner, name="Ana")
    assert Customer.objects.visible_to(teammate).filter(pk=c.pk).exists()
    assert not Customer.objects.visible_to(outsider).filter(pk=c.pk).exists()
    with pytest.raises(NotAllowed):
        update_customer(
            actor=teammate, customer=c, data=CustomerData(name="Hacked"), expected_version=None
        )


def test_search_accent_phone_and_tax(owner, outsider):
    c = make_customer(owner, name="João Silva", phones=["+55 11 98765-4321"], tax_id="11144477735")
    assert search_customers(owner, "joao") == [c]
    assert search_customers(owner, "(11) 98765-4321") == [c]
    assert search_customers(owner, "111.444.777-35") == [c]
    assert search_customers(outsider, "joao") == []


def test_duplicates_flagged(owner):
    a = make_customer(owner, name="Ana", emails=["ana@example.com"])
    b = make_customer(owner, name="Ana Maria", emails=["ANA@example.com"])
    assert list(probable_duplicates(b, owner)) == [a]


def test_only_all_scope_reassigners_may_clear_the_owner(owner, admin, team):
    from tests.accounts.factories import make_user

    manager = make_user("manager", team=team)
    c = make_customer(owner, name="Ana")
    with pytest.raises(ValidationFailed) as err:
        update_customer(
            actor=manager, customer=c, data=CustomerData(cleared={"owner"}), expected_version=None
        )
    assert "owner" in err.value.errors
    c = Customer.objects.get(pk=c.pk)
    update_customer(
        actor=admin, customer=c, data=CustomerData(cleared={"owner"}), expected_version=None
    )
    assert Customer.objects.get(pk=c.pk).owner_id is None


def test_money_custom_field_is_read_in_the_users_notation_and_filterable(owner):
    from django.utils import translation

    from vinculo.customers.models import CustomFieldDefinition
    from vinculo.customers.queries import CustomerFilter

    CustomFieldDefinition.objects.create(key="limite", label="Limite", field_type="money")
    with translation.override("pt-br"):
        rich = make_customer(owner, name="Rica", custom={"limite": "12.500,00"})
    make_customer(owner, name="Modesta", custom={"limite": "900.5"})
    assert Customer.objects.get(pk=rich.pk).custom_data == {"limite": 12500}
    found = CustomerFilter.from_params({"cf_limite__gte": "1000"}).apply(
        Customer.objects.all(), owner
    )
    assert list(found) == [rich]
    with pytest.raises(ValidationFailed) as err:
        make_customer(owner, name="X", custom={"limite": "muito"})
    assert "custom.limite" in err.value.errors


@pytest.mark.parametrize(
    "typed", ["joao.silva@example.com", "JOAO.SILVA@example.com", "joao.silva@", "joao.sil"]
)
def test_search_by_email_full_or_partial(owner, typed):
    c = make_customer(owner, name="João Silva", emails=["joao.silva@example.com"])
    make_customer(owner, name="Outra Pessoa", emails=["outra@example.com"])
    assert search_customers(owner, typed) == [c]


def test_team_search_follows_reassignment(owner, teammate, outsider, admin):
    c = make_customer(owner, name="Joana Prado")
    assert search_customers(teammate, "prado") == [c]
    update_customer(
        actor=admin,
        customer=Customer.objects.get(pk=c.pk),
        data=CustomerData(owner_id=outsider.pk),
        expected_version=None,
    )
    assert search_customers(teammate, "prado") == []
    assert search_customers(outsider, "prado") == [c]


def test_an_invalid_tax_id_of_a_chosen_type_is_a_field_error(owner):
    with pytest.raises(ValidationFailed) as err:
        create_customer(
            actor=owner, data=CustomerData(name="Ana", tax_id="123", tax_id_type="br_cpf")
        )
    assert err.value.errors["tax_id"] == ["“123” is not a valid CPF (Brazil)."]
    assert not Customer.objects.exists()


def test_a_spanish_nif_is_stored_with_its_letter_and_found_by_it(owner):
    c = make_customer(owner, name="Lucía Pérez", tax_id="12345678-z")
    assert (c.tax_id_type, c.tax_id) == ("es_nif", "12345678Z")
    for query in ["12345678Z", "12345678z", "12345678-Z"]:
        assert search_customers(owner, query) == [c], query
