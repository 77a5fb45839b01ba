from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from vinculo.core.money import format_money, parse_amount


@pytest.mark.parametrize(
    "language,expected",
    [("pt-br", "R$\xa01.234,50"), ("es", "1.234,50\xa0€"), ("en", "€1,234.50")],
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
