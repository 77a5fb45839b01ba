"""core.web.service_errors: a service's field errors learnt by a call that keeps nothing."""

from __future__ import annotations

from tests.customers.factories import make_customer
from vinculo.core.errors import NotAllowed
from vinculo.core.models import AuditEntry
from vinculo.core.web import service_errors
from vinculo.customers.models import Customer
from vinculo.customers.services import CustomerData, create_customer


def test_errors_are_returned_and_a_successful_call_is_rolled_back(owner):
    assert service_errors(
        lambda: create_customer(actor=owner, data=CustomerData(name="", tax_id="123"))
    ).keys() == {"name", "tax_id"}
    assert service_errors(lambda: create_customer(actor=owner, data=CustomerData(name="Ana"))) == {}
    assert not Customer.objects.exists() and not AuditEntry.objects.exists()
    make_customer(owner, name="Kept")  # the connection is usable afterwards
    assert Customer.objects.count() == 1


def test_other_refusals_are_left_to_the_real_call(owner):
    def refuse() -> None:
        raise NotAllowed()

    assert service_errors(refuse) == {}
