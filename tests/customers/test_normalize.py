"""Normalised contact points and tax ids: the same customer is recognised on every channel,
and what cannot be recognised is refused with a message that names the value."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from vinculo.customers.normalize import (
    digits,
    fold,
    format_phone,
    format_tax_id,
    looks_like_tax_id,
    normalize_email,
    normalize_phone,
    normalize_tax_id,
    phone_search_tokens,
)


def messages(call, *args) -> list[str]:
    with pytest.raises(ValidationError) as err:
        call(*args)
    return err.value.messages


def test_fold_drops_accents_case_and_sharp_s():
    assert fold("João ÂNGELA") == "joao angela"
    assert fold("Straße") == fold("STRASSE") == "strasse"
    assert digits("(11) 98765-4321") == "11987654321"


def test_email_is_trimmed_and_lowercased():
    assert normalize_email("  Ana@Example.COM ") == "ana@example.com"


def test_an_invalid_email_is_named_in_the_message():
    assert messages(normalize_email, "ana@") == ["“ana@” is not a valid email address."]


def test_a_phone_typed_in_any_format_is_stored_in_e164():
    assert normalize_phone("(11) 98765-4321") == "+5511987654321"  # the default region, BR
    assert normalize_phone("+351 912 345 678") == "+351912345678"
    assert normalize_phone("912 345 678", "PT") == "+351912345678"


@pytest.mark.parametrize("value", ["abc", "12", "912 345 678"])  # unparsable, short, not BR
def test_an_invalid_phone_is_named_in_the_message(value):
    assert messages(normalize_phone, value) == [f"“{value}” is not a valid phone number."]


def test_phones_read_nationally_at_home_and_internationally_abroad():
    assert format_phone("+5511987654321") == "(11) 98765-4321"
    assert format_phone("+351912345678") == "+351 912 345 678"
    assert format_phone("not a phone") == "not a phone"


def test_a_phone_is_found_by_what_people_type():
    assert phone_search_tokens("+5511987654321") == [
        "5511987654321",  # with country code
        "11987654321",  # with area code
        "987654321",  # the number alone
        "87654321",  # without the mobile's leading 9
    ]
    assert phone_search_tokens("+376312345") == ["376312345", "312345"]  # six-digit numbers
    assert phone_search_tokens("garbage 1234567") == ["1234567"]


TAX_IDS = [
    ("111.444.777-35", "br_cpf", "11144477735"),
    ("11.222.333/0001-81", "br_cnpj", "11222333000181"),
    ("501 964 843", "pt_nif", "501964843"),
    ("12345678-z", "es_nif", "12345678Z"),
    ("x1234567l", "es_nie", "X1234567L"),
    ("b58378431", "es_cif", "B58378431"),
]


@pytest.mark.parametrize("value,tax_type,number", TAX_IDS)
def test_the_tax_id_type_is_detected_and_the_number_compacted(value, tax_type, number):
    assert normalize_tax_id(value) == (tax_type, number)
    assert normalize_tax_id(f"  {value} ", tax_type) == (tax_type, number)


@pytest.mark.parametrize(
    "value,tax_type,message",
    [
        ("123", "br_cpf", "“123” is not a valid CPF (Brazil)."),
        ("11.222.333/0001-81", "br_cpf", "“11.222.333/0001-81” is not a valid CPF (Brazil)."),
        ("111.111.111-11", "br_cpf", "“111.111.111-11” is not a valid CPF (Brazil)."),
        ("00.000.000/0000-00", "br_cnpj", "“00.000.000/0000-00” is not a valid CNPJ (Brazil)."),
        ("12345678A", "es_nif", "“12345678A” is not a valid NIF (Spain)."),
        ("11144477735", "us_ssn", "Unknown tax id type."),
    ],
)
def test_an_invalid_tax_id_of_a_given_type_names_the_type(value, tax_type, message):
    assert messages(normalize_tax_id, value, tax_type) == [message]


@pytest.mark.parametrize("value", ["123", "111.111.111-11", "ana"])
def test_an_unrecognised_tax_id_lists_the_accepted_types(value):
    assert messages(normalize_tax_id, value) == [
        f"“{value}” is not a valid CPF, CNPJ, Portuguese NIF or Spanish NIF/NIE/CIF."
    ]


def test_tax_ids_are_shown_in_their_usual_format():
    assert format_tax_id("br_cpf", "11144477735") == "111.444.777-35"
    assert format_tax_id("br_cnpj", "11222333000181") == "11.222.333/0001-81"
    assert format_tax_id("es_nif", "12345678Z") == "12345678Z"
    assert format_tax_id("", "ABC") == "ABC"


@pytest.mark.parametrize(
    "query,found",
    [
        ("111.444.777-35", ("br_cpf", "11144477735")),
        ("11.222.333 / 0001-81", ("br_cnpj", "11222333000181")),  # pasted with spaces
        ("12345678-z", ("es_nif", "12345678Z")),
        ("ana silva", None),
        ("12345", None),
        ("111.111.111-11", None),
    ],
)
def test_search_recognises_a_whole_query_that_is_a_tax_id(query, found):
    assert looks_like_tax_id(query) == found
