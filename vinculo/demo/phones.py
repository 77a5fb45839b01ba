"""Valid phone numbers per country for demo and benchmark data.

Faker's numbers often fail `phonenumbers.is_valid_number` (about half of the Brazilian
ones), so numbers are drawn from each country's numbering plan and kept only when the
phonenumbers metadata says they are valid.
"""

from __future__ import annotations

import random

import phonenumbers

COUNTRY_CODE = {"BR": 55, "PT": 351, "ES": 34}
REGION_OF_LOCALE = {"pt_BR": "BR", "pt_PT": "PT", "es_ES": "ES"}

# Brazilian area codes (DDD) in use.
BR_AREA_CODES = (
    [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38]
    + [41, 42, 43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68]
    + [69, 71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95]
    + [96, 97, 98, 99]
)


_BOTH = phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
_MOBILE = (phonenumbers.PhoneNumberType.MOBILE, _BOTH)
_FIXED = (phonenumbers.PhoneNumberType.FIXED_LINE, _BOTH)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _candidate(rng: random.Random, region: str, mobile: bool, area: int | None) -> str:
    """A national number following the country's plan (may still be invalid)."""
    if region == "BR":
        ddd = area if area is not None else rng.choice(BR_AREA_CODES)
        if mobile:
            return f"{ddd}9{rng.randrange(6, 10)}{_digits(rng, 7)}"
        return f"{ddd}{rng.randrange(2, 6)}{_digits(rng, 7)}"
    if region == "PT":
        if mobile:
            return f"9{rng.choice('1236')}{_digits(rng, 7)}"
        prefix = str(area) if area is not None else rng.choice(["21", "22", "239", "253", "289"])
        return prefix + _digits(rng, 9 - len(prefix))
    if region == "ES":
        if mobile:
            if rng.random() < 0.8:
                return "6" + _digits(rng, 8)
            return f"7{rng.randrange(1, 5)}" + _digits(rng, 7)
        prefix = str(area) if area is not None else rng.choice(["91", "93", "95", "96", "976"])
        return prefix + _digits(rng, 9 - len(prefix))
    raise ValueError(f"no numbering plan for {region}")


def number(
    rng: random.Random, region: str, *, mobile: bool = True, area: int | None = None
) -> phonenumbers.PhoneNumber:
    """A valid mobile or landline number of `region` (BR, PT or ES); `area` picks the DDD
    or landline prefix."""
    code = COUNTRY_CODE[region]
    for _attempt in range(1000):
        national = _candidate(rng, region, mobile, area)
        parsed = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
        if phonenumbers.is_valid_number(parsed) and (
            phonenumbers.number_type(parsed) in (_MOBILE if mobile else _FIXED)
        ):
            return parsed
    raise RuntimeError(f"could not draw a valid {region} number")  # pragma: no cover


def as_typed(parsed: phonenumbers.PhoneNumber, default_region: str = "BR") -> str:
    """The way a person writes it: national format at home, international otherwise."""
    region = phonenumbers.region_code_for_number(parsed)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == default_region
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, fmt)


def e164(parsed: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
