"""Valid tax ids for demo and benchmark data: check digits computed, never repeated digits.

Each generator has two forms: `*_from(n)` turns an integer into a valid number (so the
benchmark can make a million distinct ids from a sequence) and the plain form draws `n`
from a random generator. Check digits come from python-stdnum where it exposes them.
"""

from __future__ import annotations

import random

from stdnum.br import cnpj as _cnpj
from stdnum.br import cpf as _cpf
from stdnum.es import cif as _cif
from stdnum.es import dni as _dni
from stdnum.es import nie as _nie
from stdnum.pt import nif as _pt_nif

# The legal-form letters of Spanish companies whose CIF ends in a digit or a letter.
CIF_LETTERS = "ABCDEFGHJNPQRSUVW"


def _spread(n: int, size: int) -> int:
    """A bijection of [0, size) so consecutive `n` do not give look-alike numbers."""
    return (n * 7_919_357 + 1_234_567) % size


def _varied(base: str) -> bool:
    return len(set(base)) > 1


def cpf_from(n: int) -> str:
    """Compact CPF (11 digits) for an integer in [0, 10**9)."""
    base = f"{_spread(n, 10**9):09d}"
    if not _varied(base) or int(base) == 0:
        base = f"{(int(base) + 1) % 10**9:09d}"
    d1 = sum((10 - i) * int(base[i]) for i in range(9))
    d1 = (11 - d1) % 11 % 10
    d2 = sum((11 - i) * int(base[i]) for i in range(9)) + 2 * d1
    d2 = (11 - d2) % 11 % 10
    return f"{base}{d1}{d2}"


def cnpj_from(n: int, branch: int = 1) -> str:
    """Compact CNPJ (14 digits): an 8-digit company root, a branch number, check digits."""
    root = f"{_spread(n, 10**8):08d}"
    if not _varied(root):
        root = f"{(int(root) + 1) % 10**8:08d}"
    base = f"{root}{branch:04d}"
    return base + _cnpj.calc_check_digits(base)


def pt_nif_from(n: int, *, company: bool = False) -> str:
    """Portuguese NIF: people start with 1 or 2, companies with 5."""
    first = "5" if company else "12"[n % 2]
    body = f"{_spread(n, 10**7):07d}"
    base = first + body
    return base + _pt_nif.calc_check_digit(base)


def es_dni_from(n: int) -> str:
    """Spanish DNI: 8 digits and a control letter."""
    body = f"{_spread(n, 10**8):08d}"
    if not _varied(body):
        body = f"{(int(body) + 1) % 10**8:08d}"
    return body + _dni.calc_check_digit(body)


def es_nie_from(n: int) -> str:
    """Spanish NIE (foreign residents): X, Y or Z, 7 digits and a control letter."""
    base = "XYZ"[n % 3] + f"{_spread(n, 10**7):07d}"
    return base + _nie.calc_check_digit(base)


def es_cif_from(n: int) -> str:
    """Spanish CIF (companies): a legal-form letter, 7 digits and a control character."""
    letter = CIF_LETTERS[n % len(CIF_LETTERS)]
    base = letter + f"{_spread(n, 10**7):07d}"
    checks = _cif.calc_check_digits(base)  # "<digit><letter>"
    digit, alpha = checks[0], checks[1]
    # Public bodies and non-profits (N, P, Q, R, S, W) end in a letter; the rest in a digit.
    return base + (alpha if letter in "NPQRSW" else digit)


def cpf(rng: random.Random) -> str:
    return _cpf.format(cpf_from(rng.randrange(10**9)))


def cnpj(rng: random.Random) -> str:
    return _cnpj.format(cnpj_from(rng.randrange(10**8), branch=rng.choice([1, 1, 1, 2])))


def pt_nif(rng: random.Random, *, company: bool = False) -> str:
    return pt_nif_from(rng.randrange(10**7), company=company)


def es_dni(rng: random.Random) -> str:
    return es_dni_from(rng.randrange(10**8))


def es_nie(rng: random.Random) -> str:
    return es_nie_from(rng.randrange(10**7))


def es_cif(rng: random.Random) -> str:
    return es_cif_from(rng.randrange(10**7))


def for_customer(rng: random.Random, locale: str, *, company: bool) -> tuple[str, str]:
    """(tax id type, number as people type it) suited to the customer's country."""
    if locale == "pt_BR":
        return ("br_cnpj", cnpj(rng)) if company else ("br_cpf", cpf(rng))
    if locale == "pt_PT":
        return "pt_nif", pt_nif(rng, company=company)
    if company:
        return "es_cif", es_cif(rng)
    if rng.random() < 0.15:
        return "es_nie", es_nie(rng)
    return "es_nif", es_dni(rng)
