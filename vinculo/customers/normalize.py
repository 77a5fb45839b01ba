"""Normalise contact points and tax ids so the same customer is recognised on every channel."""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from stdnum.br import cnpj, cpf
from stdnum.es import cif, dni, nie
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pt import nif as pt_nif

_COMBINING = re.compile(r"[\u0300-\u036f]")


def fold(text: str) -> str:
    """Lowercase without accents: "João" → "joao". The same for stored text and queries."""
    decomposed = unicodedata.normalize("NFKD", text)
    return _COMBINING.sub("", decomposed).casefold()  # casefold() also turns "ß" into "ss"


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def normalize_email(value: str) -> str:
    """Lowercased, validated address; raises ValidationError with a translated message."""
    email = value.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("“%(value)s” is not a valid email address.") % {"value": value}
        ) from None
    return email


def parse_phone(value: str, region: str | None = None) -> phonenumbers.PhoneNumber:
    region = region or settings.PHONE_DEFAULT_REGION
    message = _("“%(value)s” is not a valid phone number.") % {"value": value}
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(message) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(message)
    return number


def normalize_phone(value: str, region: str | None = None) -> str:
    """E.164 form ("+5511987654321") of a phone typed in any format."""
    return phonenumbers.format_number(
        parse_phone(value, region), phonenumbers.PhoneNumberFormat.E164
    )


def format_phone(e164: str) -> str:
    """Readable form: national for numbers of the default region, international otherwise."""
    return _format_phone(e164, settings.PHONE_DEFAULT_REGION)


@functools.lru_cache(maxsize=8192)
def _format_phone(e164: str, default_region: str) -> str:
    # Parsing and formatting cost ~0.1 ms a number; a list page shows fifty of them.
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(number)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == default_region
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def phone_search_tokens(e164: str) -> list[str]:
    """Digit strings a person may type for this phone: with or without country and area code."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return [digits(e164)]
    national = str(number.national_number)
    tokens = [digits(e164), national, national[-9:], national[-8:]]
    return list(dict.fromkeys(t for t in tokens if len(t) >= 6))


def _repeated(compact: str) -> bool:
    return len(set(compact)) == 1


# (type, validator, compact, format); order matters for automatic detection.
_TAX_TYPES = [
    ("br_cpf", cpf.validate, cpf.compact, cpf.format),
    ("br_cnpj", cnpj.validate, cnpj.compact, cnpj.format),
    ("pt_nif", pt_nif.validate, pt_nif.compact, pt_nif.compact),
    ("es_nif", dni.validate, dni.compact, dni.compact),
    ("es_nie", nie.validate, nie.compact, nie.compact),
    ("es_cif", cif.validate, cif.compact, cif.compact),
]


def normalize_tax_id(value: str, tax_type: str = "") -> tuple[str, str]:
    """(type, compact number) after validation; the type is detected when not given.

    Repeated-digit numbers such as 111.111.111-11 pass the check digits but are refused.
    """
    raw = value.strip()
    candidates = [t for t in _TAX_TYPES if not tax_type or t[0] == tax_type]
    if tax_type and not candidates:
        raise ValidationError(_("Unknown tax id type."))
    for code, validate, compact, _fmt in candidates:
        try:
            number = validate(raw)
        except StdnumError:
            continue
        number = compact(number).upper()
        if _repeated(digits(number)) and len(digits(number)) == len(number):
            continue
        return code, number
    if tax_type:
        label = dict(_tax_labels()).get(tax_type, tax_type)
        raise ValidationError(
            _("“%(value)s” is not a valid %(type)s.") % {"value": value, "type": label}
        )
    raise ValidationError(
        _("“%(value)s” is not a valid CPF, CNPJ, Portuguese NIF or Spanish NIF/NIE/CIF.")
        % {"value": value}
    )


def format_tax_id(tax_type: str, number: str) -> str:
    for code, _validate, _compact, fmt in _TAX_TYPES:
        if code == tax_type:
            try:
                return fmt(number)
            except Exception:  # noqa: BLE001 - formatting is cosmetic
                return number
    return number


def _tax_labels() -> list[tuple[str, str]]:
    from vinculo.customers.models import Customer

    return [(c.value, str(c.label)) for c in Customer.TaxIdType]


def looks_like_tax_id(query: str) -> tuple[str, str] | None:
    """(type, compact) if the whole query is a valid tax id, else None (used by search)."""
    compact = re.sub(r"[\s./-]", "", query)
    if not 8 <= len(compact) <= 18 or not any(c.isdigit() for c in compact):
        return None
    try:
        return normalize_tax_id(compact)
    except ValidationError:
        return None
