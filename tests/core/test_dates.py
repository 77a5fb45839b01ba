"""The years a date may have (core.dates), the same for the API, page forms and custom
fields."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vinculo.core import dates


@pytest.mark.parametrize(
    ("value", "taken"),
    [
        (dt.date(1899, 12, 31), False),
        (dt.date(1900, 1, 1), True),
        (dt.date(2200, 12, 31), True),
        (dt.date(2201, 1, 1), False),
        (dt.datetime(1899, 12, 31, 23, 59, tzinfo=dt.UTC), False),
        (dt.datetime(2200, 12, 31, 23, 59, tzinfo=dt.UTC), True),
    ],
)
def test_the_bounds(value, taken):
    assert dates.in_year_range(value) is taken
    if taken:
        dates.validate_year_range(value)
    else:
        with pytest.raises(ValidationError) as refused:
            dates.validate_year_range(value)
        assert refused.value.code == "out_of_range"
        assert refused.value.messages == ["Enter a date between the years 1900 and 2200."]


def test_empty_values_are_left_to_the_required_rule():
    dates.validate_year_range(None)
    dates.validate_year_range("")


def test_form_fields_refuse_and_take():
    field = dates.DateField(required=False)
    assert field.clean("2024-02-29") == dt.date(2024, 2, 29)
    assert field.clean("") is None
    with pytest.raises(ValidationError, match="between the years 1900 and 2200"):
        field.clean("1899-12-31")
    moment = dates.DateTimeField(required=False)
    with pytest.raises(ValidationError, match="between the years 1900 and 2200"):
        moment.clean("2201-01-01T00:00")
    rendered = moment.widget.render("when", None)
    assert 'type="datetime-local"' in rendered and 'min="1900-01-01T00:00"' in rendered


def test_the_message_is_translated():
    with translation.override("pt-br"):
        text = dates.year_range_message()
    assert "1900" in text and "2200" in text and not text.startswith("Enter")
