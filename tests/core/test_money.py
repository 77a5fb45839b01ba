from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from vinculo.core.money import format_money, format_number, parse_amount


@pytest.mark.parametrize(
    "language,expected",
    [("pt-br", "R$\xa01.234,50"), ("es", "1234,50\xa0€"), ("en", "€1,234.50")],
)
def test_amounts_follow_the_users_language(language, expected):
    currency = "BRL" if language == "pt-br" else "EUR"
    with translation.override(language):
        assert format_money(Decimal("1234.5"), currency) == expected


def test_default_currency_is_brl():
    with translation.override("pt-br"):
        assert format_money(10).startswith("R$")


@pytest.mark.parametrize(
    "language,typed,value",
    [
        ("pt-br", "1.234,56", "1234.56"),
        ("pt-br", "R$ 99,90", "99.90"),
        ("es", "1.234,56", "1234.56"),
        ("en", "1,234.56", "1234.56"),
        ("en", "1234.56", "1234.56"),
    ],
)
def test_typed_amounts_are_read_in_the_users_notation(language, typed, value):
    with translation.override(language):
        assert parse_amount(typed) == Decimal(value)


@pytest.mark.parametrize("typed", ["abc", "NaN", "Infinity", ""])
def test_unreadable_amounts_are_refused(typed):
    with pytest.raises(ValueError):
        parse_amount(typed)


@pytest.mark.parametrize(
    "language,currency,expected",
    [
        ("pt-br", "BRL", "R$\xa01.234,56"),
        ("pt-br", "EUR", "€\xa01.234,56"),
        ("pt-br", "USD", "US$\xa01.234,56"),
        # Spanish has no symbol of its own for the real: it borrows Brazil's, never "BRL".
        ("es", "BRL", "1234,56\xa0R$"),
        ("es", "EUR", "1234,56\xa0€"),
        ("es", "USD", "1234,56\xa0US$"),
        ("en", "BRL", "R$1,234.56"),
        ("en", "EUR", "€1,234.56"),
        ("en", "USD", "$1,234.56"),
    ],
)
def test_each_language_writes_each_currency_its_own_way(language, currency, expected):
    with translation.override(language):
        assert format_money(Decimal("1234.56"), currency) == expected


@pytest.mark.parametrize(
    "amount,expected",
    [
        ("1234.56", "1234,56\xa0R$"),  # Spanish groups thousands from five digits on (CLDR)
        ("12345.6", "12.345,60\xa0R$"),
        ("-1234567.891", "-1.234.567,89\xa0R$"),
        ("999", "999,00\xa0R$"),
    ],
)
def test_spanish_grouping_starts_at_five_digits(amount, expected):
    with translation.override("es"):
        assert format_money(Decimal(amount), "BRL") == expected


def test_numbers_follow_the_same_grouping():
    with translation.override("es"):
        assert format_number(Decimal("1234.5")) == "1234,5"
        assert format_number(Decimal("12345.5")) == "12.345,5"
    with translation.override("pt-br"):
        assert format_number(Decimal("1234.5")) == "1.234,5"


def test_the_money_filter_uses_the_language_format():
    from django.template import Context, Template

    template = Template('{% load money %}{{ amount|money:"BRL" }}')
    with translation.override("es"):
        assert template.render(Context({"amount": Decimal("1234.56")})) == "1234,56\xa0R$"
