"""Readable audit history of any record: labelled fields, display values, hidden names kept
hidden. Every "History" section (customer 360, task, interaction, user) is built here.

Apps say how their models read through `HistoryFormat`s in an optional `<app>/history.py`
module (a `FORMATS` dict, found like the API's routers): the product's own labels, values
formatted as people write them (CPF with punctuation, phones, amounts in the viewer's
language), fields never shown, and fields holding several values (custom fields) that
read as one line each."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vinculo.core.audit import history

EMPTY = "—"

# How the change reached the record (AuditEntry.via), as users read it.
CHANNELS = {
    "web": gettext_lazy("web"),
    "api": gettext_lazy("API"),
    "import": gettext_lazy("import"),
    "job": gettext_lazy("automatic job"),
    "system": gettext_lazy("system"),
}


# (label, before, after) lines for one audited value that holds several (a dict of fields).
Expander = Callable[[Any, Any], list[tuple[str, str, str]]]


@dataclass(frozen=True)
class HistoryFormat:
    """How one model's changes read. `labels` replace verbose names (lazy strings);
    `values` format one stored value (each item of a list); `hidden` fields are never
    shown; `expand` turns a field into several lines."""

    labels: Mapping[str, Any] = field(default_factory=dict)
    values: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()
    expand: Mapping[str, Callable[[], Expander]] = field(default_factory=dict)


_formats: dict[str, HistoryFormat] | None = None


def _discovered() -> dict[str, HistoryFormat]:
    """{model label: format} from every installed app's `history` module, loaded once."""
    global _formats
    if _formats is None:
        found: dict[str, HistoryFormat] = {}
        for config in apps.get_app_configs():
            if not config.name.startswith("vinculo."):
                continue
            if find_spec(f"{config.name}.history") is None:
                continue
            module = import_module(f"{config.name}.history")
            for model, fmt in getattr(module, "FORMATS", {}).items():
                found[model._meta.label_lower] = fmt
        _formats = found
    return _formats


def format_of(model: type[models.Model]) -> HistoryFormat:
    return _discovered().get(model._meta.label_lower, HistoryFormat())


def _model_field(model: type[models.Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a field removed since the entry was written, or related rows
        return None


def _label(model: type[models.Model], name: str, extra: dict[str, str], fmt: HistoryFormat) -> str:
    if name in fmt.labels:
        return str(fmt.labels[name])
    field = _model_field(model, name)
    verbose = getattr(field, "verbose_name", None) if field is not None else None
    if verbose:
        return str(verbose)
    if name in extra:
        return str(extra[name])
    return name


def _is_fk(field: Any) -> bool:
    return bool(
        field is not None
        and getattr(field, "concrete", False)
        and (field.many_to_one or field.one_to_one)
    )


def _is_m2m(field: Any) -> bool:
    return bool(field is not None and getattr(field, "many_to_many", False))


def _is_key(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool) and value != ""


def _related_names(
    model: type[models.Model], entries: list[Any], user: Any
) -> dict[str, dict[Any, str]]:
    """{field name: {id: name}} for the foreign keys in the entries: one query per related
    model, over all entries. Models with record visibility resolve only what `user` may read,
    so an id the viewer cannot read never turns into the name of that record."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    fields_of: dict[type[models.Model], list[str]] = defaultdict(list)
    for entry in entries:
        for name, pair in entry.changes.items():
            field = _model_field(model, name)
            if not (_is_fk(field) or _is_m2m(field)) or not isinstance(pair, list):
                continue
            related = field.related_model
            if name not in fields_of[related]:
                fields_of[related].append(name)
            values = [v for side in pair for v in (side if isinstance(side, list) else [side])]
            for value in values:
                if _is_key(value):
                    try:
                        related._meta.pk.to_python(value)  # skip ids of another shape
                    except ValidationError:
                        continue
                    wanted[related].add(value)
    names: dict[str, dict[Any, str]] = {}
    for related, ids in wanted.items():
        found: dict[Any, str] = {}
        if ids:
            manager = related._default_manager
            qs = manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()
            found = {obj.pk: str(obj) for obj in qs.filter(pk__in=ids)}
        for name in fields_of[related]:
            names[name] = found
    return names


def _date_value(field: Any, value: Any) -> str | None:
    """Dates and times in the viewer's language and time zone (the audit keeps ISO text)."""
    if not isinstance(value, str):
        return None
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(value)
        if moment is None:
            return None
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        day = parse_date(value)
        return formats.date_format(day, "SHORT_DATE_FORMAT") if day else None
    if isinstance(field, models.TimeField):
        try:
            return formats.time_format(dt.time.fromisoformat(value), "TIME_FORMAT")
        except ValueError:
            return None
    return None


def plain(value: Any) -> str:
    """Any stored value as text: yes/no, lists and dicts joined, "—" for nothing."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {plain(v)}" for k, v in value.items())
    if value is None:
        return EMPTY
    return str(value)


def history_rows(
    obj: models.Model,
    user: Any,
    *,
    extra_labels: dict[str, str] | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The newest audit entries of `obj`, each as {"entry", "changes", "via"}, where changes
    are {"field", "before", "after"} strings ready for the core/_history.html include.

    `extra_labels` names the keys that are not model fields (related rows the services
    audit, like a customer's emails). Values are plain text: the template escapes them."""
    model = type(obj)
    extra = extra_labels or {}
    fmt = format_of(model)
    entries = history(obj, limit=limit)
    related = _related_names(model, entries, user)
    choices: dict[str, dict[Any, Any]] = {}
    for f in model._meta.concrete_fields:
        if f.flatchoices:
            choices[f.name] = dict(f.flatchoices)

    expanders: dict[str, Expander] = {}

    def show(name: str, value: Any) -> str:
        if value is None or value == "" or value == [] or value == {}:
            return EMPTY
        if name in fmt.values:
            formatter = fmt.values[name]
            if isinstance(value, list):
                return ", ".join(formatter(v) for v in value)
            return formatter(value)
        if name in related and _is_key(value):
            return related[name].get(value, f"#{value}")
        if name in related and isinstance(value, list):
            return ", ".join(related[name].get(v, f"#{v}") for v in value)
        if name in choices and not isinstance(value, list | dict):
            return str(choices[name].get(value, value))
        shown = _date_value(_model_field(model, name), value)
        return shown if shown is not None else plain(value)

    def lines(name: str, before: Any, after: Any) -> list[dict[str, str]]:
        if name in fmt.hidden:
            return []
        if name in fmt.expand:
            if name not in expanders:
                expanders[name] = fmt.expand[name]()  # loads what it needs once per call
            shown = expanders[name](before, after)
            return [{"field": label, "before": b, "after": a} for label, b, a in shown]
        return [
            {
                "field": _label(model, name, extra, fmt),
                "before": show(name, before),
                "after": show(name, after),
            }
        ]

    rows = []
    for entry in entries:
        changes = [
            line
            for name, pair in entry.changes.items()
            if isinstance(pair, list) and len(pair) == 2
            for line in lines(name, pair[0], pair[1])
        ]
        via = str(CHANNELS.get(entry.via, entry.via))
        rows.append({"entry": entry, "changes": changes, "via": via})
    return rows
