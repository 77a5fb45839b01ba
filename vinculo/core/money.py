"""Money and localised numbers: amounts shown and read in the user's language.

Amounts are Decimals in the installation currency (settings.DEFAULT_CURRENCY, BRL unless
set; EUR and USD available). Formatting follows the active language: "R$ 1.234,50" in
pt-BR, "1234,50 €" in es, "R$1,234.50" in en.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal
from django.conf import settings
from django.utils.translation import get_language, to_locale

CENT = Decimal("0.01")
_BABEL_LOCALES = {"pt_BR": "pt_BR", "es": "es_ES", "en": "en_US"}


def current_locale() -> str:
    """The Babel locale of the active Django language."""
    return _BABEL_LOCALES.get(to_locale(get_language() or settings.LANGUAGE_CODE), "pt_BR")


def format_money(amount: Decimal | float | int | str, currency: str | None = None) -> str:
    value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_EVEN)
    return format_currency(value, currency or settings.DEFAULT_CURRENCY, locale=current_locale())


def format_number(value: Decimal | float | int | str) -> str:
    return format_decimal(Decimal(str(value)), locale=current_locale())


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
