"""A tax id is an identity: a second customer with one is refused (service, database and
race); shared emails and phones are only probable duplicates, asked about before saving."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from vinculo.customers import services
from vinculo.customers.models import Customer
from vinculo.customers.services import (
    CustomerData,
    CustomerInvalid,
    create_customer,
    delete_customer,
    duplicates_before_save,
    update_customer,
    validate_customer,
)

CPF = "111.444.777-35"


def test_a_second_customer_with_the_same_cpf_is_refused_in_any_notation(owner):
    first = make_customer(owner, name="Ana Souza", tax_id=CPF)
    with pytest.raises(CustomerInvalid) as caught:
        make_customer(owner, name="Ana S.", tax_id="11144477735")
    assert caught.value.errors["tax_id"] == ["Another customer already has this tax id: Ana Souza."]
    assert caught.value.tax_id_holder == first
    assert Customer.objects.count() == 1


def test_an_edit_cannot_take_another_customers_tax_id(owner):
    make_customer(owner, name="Ana Souza", tax_id=CPF)
    other = make_customer(owner, name="Bruno")
    with pytest.raises(CustomerInvalid) as caught:
        update_customer(
            actor=owner, customer=other, data=CustomerData(tax_id=CPF), expected_version=None
        )
    assert "tax_id" in caught.value.errors
    assert Customer.objects.get(pk=other.pk).tax_id == ""
    # Saving a customer with its own tax id again is no clash.
    first = Customer.objects.get(name="Ana Souza")
    update_customer(
        actor=owner, customer=first, data=CustomerData(tax_id=CPF), expected_version=None
    )


def test_a_holder_the_actor_cannot_see_is_not_revealed(owner, outsider):
    make_customer(outsider, name="Hidden Person", tax_id=CPF)
    with pytest.raises(CustomerInvalid) as caught:
        make_customer(owner, name="Ana", tax_id=CPF)
    message = caught.value.errors["tax_id"][0]
    assert "already has this tax id" in message and "Hidden" not in message
    assert caught.value.tax_id_holder is None


def test_the_tax_id_is_free_again_once_its_customer_is_deleted(owner):
    first = make_customer(owner, name="Ana", tax_id=CPF)
    delete_customer(actor=owner, customer=first, expected_version=first.version)
    assert make_customer(owner, name="Ana again", tax_id=CPF).tax_id == "11144477735"


def test_customers_without_tax_id_are_many(owner):
    make_customer(owner, name="A")
    make_customer(owner, name="B", tax_id="")
    assert Customer.objects.filter(tax_id="").count() == 2


def test_the_database_refuses_a_repeated_tax_id_whoever_writes(owner):
    make_customer(owner, name="Ana", tax_id=CPF)
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(name="Direct", sort_name="direct", tax_id="11144477735")


def test_a_lost_race_is_answered_with_the_field_error(owner, monkeypatch):
    """Two saves both pass the check before either commits: the unique index refuses the
    second, and the service turns that into the same field error (never a 500)."""
    make_customer(owner, name="Ana Souza", tax_id=CPF)
    monkeypatch.setattr(services, "_check_tax_id_free", lambda *args: None)
    with pytest.raises(CustomerInvalid) as caught:
        make_customer(owner, name="Racer", tax_id=CPF)
    assert caught.value.errors == {
        "tax_id": ["Another customer already has this tax id: Ana Souza."]
    }
    other = make_customer(owner, name="Bruno")
    with pytest.raises(CustomerInvalid):
        update_customer(
            actor=owner, customer=other, data=CustomerData(tax_id=CPF), expected_version=None
        )
    assert Customer.objects.filter(tax_id="11144477735").count() == 1


def test_every_field_is_checked_at_once(owner):
    with pytest.raises(CustomerInvalid) as caught:
        create_customer(
            actor=owner,
            data=CustomerData(
                name="",
                tax_id="111.111.111-11",
                emails=[services.ContactIn("not-an-email")],
                phones=[services.ContactIn("123")],
                stage="nope",
            ),
        )
    assert set(caught.value.errors) == {"name", "tax_id", "emails", "phones", "stage"}


def test_validate_customer_reports_like_create_and_saves_nothing(owner):
    existing = make_customer(owner, name="Ana", tax_id=CPF)
    data = CustomerData(name="Other", tax_id=CPF, tags=["brand-new-tag"])
    with pytest.raises(CustomerInvalid) as caught:
        validate_customer(actor=owner, data=data)
    assert caught.value.tax_id_holder == existing
    validate_customer(actor=owner, data=CustomerData(name="Fine", tags=["brand-new-tag"]))
    from vinculo.customers.models import Tag

    assert not Tag.objects.filter(name="brand-new-tag").exists()
    # On edit, the record itself is left untouched.
    with pytest.raises(CustomerInvalid):
        validate_customer(actor=owner, data=CustomerData(name=""), customer=existing)
    assert existing.name == "Ana"


def test_shared_emails_and_phones_are_found_before_saving(owner, outsider):
    ana = make_customer(owner, name="Ana", emails=["ana@example.com"], phones=["11 98765-4321"])
    make_customer(outsider, name="Hidden", emails=["hidden@example.com"])
    found = duplicates_before_save(
        owner, emails=["ANA@example.com", "hidden@example.com", "bad"], phones=[]
    )
    assert found == [ana]  # only customers the user may see
    assert duplicates_before_save(owner, emails=[], phones=["+55 (11) 98765-4321"]) == [ana]
    # Editing Ana herself: her own values are not duplicates.
    assert duplicates_before_save(owner, emails=["ana@example.com"], phones=[], customer=ana) == []
    bruno = make_customer(owner, name="Bruno", emails=["ana@example.com"])
    # Bruno already shares the address (confirmed once): an edit does not ask again.
    assert (
        duplicates_before_save(owner, emails=["ana@example.com"], phones=[], customer=bruno) == []
    )


def test_the_demo_and_benchmark_tax_ids_are_distinct():
    """The unique index must not stop the demo loader or the benchmark generators."""
    from vinculo.demo import taxids

    for make in (taxids.cpf_from, taxids.cnpj_from, taxids.es_dni_from, taxids.es_cif_from):
        numbers = [make(n) for n in range(20000)]
        assert len(set(numbers)) == len(numbers)
    nifs = [taxids.pt_nif_from(n) for n in range(20000)]
    assert len(set(nifs)) == len(nifs)


@pytest.mark.parametrize("role", ["administrator"])
def test_administrators_see_who_holds_it(db, role, outsider):
    admin = make_user(role, username="boss")
    holder = make_customer(outsider, name="Hidden Person", tax_id=CPF)
    with pytest.raises(CustomerInvalid) as caught:
        make_customer(admin, name="Ana", tax_id=CPF)
    assert caught.value.tax_id_holder == holder
