"""Money and localised numbers: amounts shown and read in the user's language.

Amounts are Decimals in the installation currency (settings.DEFAULT_CURRENCY, BRL unless
set; EUR and USD available). Formatting follows the standard currency format of the active
language (CLDR, through Babel): "R$ 1.234,50" in pt-BR, "1234,50 R$" in es, "R$1,234.50"
in en.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    get_currency_symbol,
    parse_decimal,
)
from django.conf import settings
from django.utils.translation import get_language, to_locale

CENT = Decimal("0.01")
_BABEL_LOCALES = {"pt_BR": "pt_BR", "es": "es_ES", "en": "en_US"}
# The locale of each currency's own country: where a language has no symbol for a currency
# (CLDR's Spanish writes "BRL"), its home symbol is shown instead ("R$", never "BRL").
_HOME_LOCALES = {"BRL": "pt_BR", "EUR": "pt_PT", "USD": "en_US"}
# CLDR's minimumGroupingDigits where it is not 1: Spanish writes 1234,56 but 12.345,67.
# Babel formats with the pattern's grouping only, so the rule is applied here.
_MIN_GROUPING = {"es_ES": 2}


def current_locale() -> str:
    """The Babel locale of the active Django language."""
    return _BABEL_LOCALES.get(to_locale(get_language() or settings.LANGUAGE_CODE), "pt_BR")


def _grouped(value: Decimal, locale: str) -> bool:
    """Whether thousands are separated: always, except below the locale's minimum."""
    minimum = _MIN_GROUPING.get(locale, 1)
    return abs(value) >= Decimal(10) ** (2 + minimum)


def currency_symbol(currency: str, locale: str | None = None) -> str:
    """The symbol of `currency` in `locale`, or in its home country's locale when the
    language only knows the ISO code."""
    locale = locale or current_locale()
    symbol = get_currency_symbol(currency, locale)
    home = _HOME_LOCALES.get(currency)
    if symbol == currency and home:
        symbol = get_currency_symbol(currency, home)
    return symbol


def format_money(amount: Decimal | float | int | str, currency: str | None = None) -> str:
    """An amount in the standard currency format of the user's language."""
    value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_EVEN)
    code = currency or settings.DEFAULT_CURRENCY
    locale = current_locale()
    text = format_currency(value, code, locale=locale, group_separator=_grouped(value, locale))
    symbol = currency_symbol(code, locale)
    # Babel put the locale's own symbol (here the ISO code) where the pattern has "¤".
    return text.replace(code, symbol) if symbol != code else text


def format_number(value: Decimal | float | int | str) -> str:
    number = Decimal(str(value))
    locale = current_locale()
    return format_decimal(number, locale=locale, group_separator=_grouped(number, locale))


def parse_amount(text: str) -> Decimal:
    """A number typed by a person: "1234.5", "1.234,50" (pt-BR/es) or "1,234.50" (en).

    Plain machine notation is tried first, then the notation of the user's language.
    Raises ValueError when neither reads it.
    """
    raw = str(text).strip().replace("\u00a0", " ")
    for symbol in ("R$", "€", "US$", "$"):
        raw = raw.replace(symbol, "")
    raw = raw.strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        try:
            value = parse_decimal(raw, locale=current_locale(), strict=False)
        except (NumberFormatError, ValueError):
            raise ValueError(raw) from None
    if not value.is_finite():
        raise ValueError(raw)
    return value
