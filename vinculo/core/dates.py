"""The years a date or datetime may have, whichever way it comes in: the API's schemas
(core.api.schemas), page forms (the fields below) and custom field values
(core.tagging.values) all keep to YEAR_MIN–YEAR_MAX with the same message.

Outside those years a value is a typo ("0202" for "2022") or a probe, and the far past has
odd historical offsets (São Paulo was UTC-03:06:28 until 1914) that surprise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

YEAR_MIN, YEAR_MAX = 1900, 2200
CODE = "out_of_range"  # the API's field code for it (docs/api.md)


def in_year_range(value: dt.date) -> bool:
    """Whether a date (or datetime, by its own calendar year) is within the years."""
    return YEAR_MIN <= value.year <= YEAR_MAX


def year_range_message() -> str:
    """The field error, in the active language."""
    return _("Enter a date between the years %(low)d and %(high)d.") % {
        "low": YEAR_MIN,
        "high": YEAR_MAX,
    }


def validate_year_range(value: Any) -> None:
    """A Django validator: empty values pass (required-ness is another rule)."""
    if isinstance(value, dt.date) and not in_year_range(value):
        raise ValidationError(year_range_message(), code=CODE)


class DateField(forms.DateField):
    """A page form's date: a date picker limited to the years, checked again here."""

    default_validators = [validate_year_range]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.DateInput(
                attrs={"type": "date", "min": f"{YEAR_MIN}-01-01", "max": f"{YEAR_MAX}-12-31"},
                format="%Y-%m-%d",
            ),
        )
        super().__init__(**kwargs)


class DateTimeField(forms.DateTimeField):
    """A page form's date and time (a datetime-local picker), within the years."""

    default_validators = [validate_year_range]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.DateTimeInput(
                attrs={
                    "type": "datetime-local",
                    "min": f"{YEAR_MIN}-01-01T00:00",
                    "max": f"{YEAR_MAX}-12-31T23:59",
                },
                format="%Y-%m-%dT%H:%M",
            ),
        )
        super().__init__(**kwargs)
