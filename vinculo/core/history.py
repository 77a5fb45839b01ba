"""Readable audit history of any record: labelled fields, display values, hidden names kept
hidden. Every "History" section (customer 360, task, interaction, user) is built here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

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


def _model_field(model: type[models.Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a field removed since the entry was written, or related rows
        return None


def _label(model: type[models.Model], name: str, extra: dict[str, str]) -> str:
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


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
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
    entries = history(obj, limit=limit)
    related = _related_names(model, entries, user)
    choices: dict[str, dict[Any, Any]] = {}
    for f in model._meta.concrete_fields:
        if f.flatchoices:
            choices[f.name] = dict(f.flatchoices)

    def show(name: str, value: Any) -> str:
        if value is None or value == "" or value == [] or value == {}:
            return EMPTY
        if name in related and _is_key(value):
            return related[name].get(value, f"#{value}")
        if name in related and isinstance(value, list):
            return ", ".join(related[name].get(v, f"#{v}") for v in value)
        if name in choices and not isinstance(value, list | dict):
            return str(choices[name].get(value, value))
        shown = _date_value(_model_field(model, name), value)
        return shown if shown is not None else _plain(value)

    rows = []
    for entry in entries:
        changes = [
            {
                "field": _label(model, name, extra),
                "before": show(name, pair[0]),
                "after": show(name, pair[1]),
            }
            for name, pair in entry.changes.items()
            if isinstance(pair, list) and len(pair) == 2
        ]
        via = str(CHANNELS.get(entry.via, entry.via))
        rows.append({"entry": entry, "changes": changes, "via": via})
    return rows
