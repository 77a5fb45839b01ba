from __future__ import annotations

import random

import phonenumbers
import pytest

from vinculo.customers.normalize import normalize_phone, normalize_tax_id
from vinculo.demo import phones, taxids


@pytest.mark.parametrize(
    ("locale", "company", "expected"),
    [
        ("pt_BR", False, {"br_cpf"}),
        ("pt_BR", True, {"br_cnpj"}),
        ("pt_PT", False, {"pt_nif"}),
        ("pt_PT", True, {"pt_nif"}),
        ("es_ES", False, {"es_nif", "es_nie"}),
        ("es_ES", True, {"es_cif"}),
    ],
)
def test_tax_ids_validate_and_are_detected_as_their_type(locale, company, expected):
    rng = random.Random(7)
    seen = set()
    for _ in range(400):
        tax_type, number = taxids.for_customer(rng, locale, company=company)
        assert tax_type in expected
        assert normalize_tax_id(number)[0] == tax_type  # detected without a hint
        assert normalize_tax_id(number, tax_type)[0] == tax_type
        seen.add(tax_type)
    assert seen == expected


def test_tax_ids_from_a_sequence_are_distinct_and_never_repeated_digits():
    cpfs = {taxids.cpf_from(n) for n in range(20000)}
    assert len(cpfs) == 20000
    assert all(len(set(c)) > 1 for c in cpfs)
    assert taxids.cpf_from(0) != "00000000000"
    nifs = {taxids.pt_nif_from(n) for n in range(5000)}
    assert len(nifs) == 5000
    for n in range(0, 10**9, 111_111_111):  # would-be 000…, 111…, … bases
        normalize_tax_id(taxids.cpf_from(n), "br_cpf")


def test_cpf_check_digits_match_a_known_number():
    # 111.444.777-35 is the textbook valid CPF.
    assert normalize_tax_id("111.444.777-35") == ("br_cpf", "11144477735")
    assert taxids.cpf(random.Random(1)).count(".") == 2


@pytest.mark.parametrize("region", ["BR", "PT", "ES"])
@pytest.mark.parametrize("mobile", [True, False])
def test_phones_are_valid_and_read_back_by_the_app(region, mobile):
    rng = random.Random(3)
    for _ in range(300):
        number = phones.number(rng, region, mobile=mobile)
        assert phonenumbers.is_valid_number(number)
        kind = phonenumbers.number_type(number)
        if mobile:
            assert kind in (
                phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
            )
        typed = phones.as_typed(number)
        assert normalize_phone(typed) == phones.e164(number)


def test_brazilian_phones_are_typed_nationally_and_others_internationally():
    rng = random.Random(5)
    assert phones.as_typed(phones.number(rng, "BR", area=11)).startswith("(11) 9")
    assert phones.as_typed(phones.number(rng, "PT")).startswith("+351 ")
    assert phones.as_typed(phones.number(rng, "ES")).startswith("+34 ")
