"""The versioned edit page: one flow for every page that edits a stored record.

GET shows the form with the record's values and the `version` they were read at. POST
validates the form, then saves through the service with that version:

- the form refused some fields: the service is asked too (a dry run, rolled back), so its
  own field errors show beside the form's: every error at once. 422.
- someone else saved the record meanwhile (StaleVersion): nothing is saved. 409, the form
  shows the record as stored now with its new version, and a notice says why and lists
  what the person typed, so nothing they wrote is lost and saving over the other person's
  change is a choice they make, not an accident.
- the service refused the input: its field errors on the form, the person's input kept.
  422 (or the error's own status); NotAllowed is 403.
- saved: whatever `saved` answers (a redirect with a message, as a rule).

Templates show the stale notice with `{% include "core/_stale_notice.html" %}` at the top
of the form. docs/development/adding-a-model.md shows a whole view.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, cast

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils import formats
from django.utils.translation import gettext as _

from vinculo.core.errors import DomainError, NotAllowed, StaleVersion
from vinculo.core.web import add_domain_errors, add_errors_besides, service_refusal

R = TypeVar("R")  # the record the page edits
F = TypeVar("F", bound=forms.BaseForm)
T = TypeVar("T")  # what the save returns
R_contra = TypeVar("R_contra", contravariant=True)
F_contra = TypeVar("F_contra", bound=forms.BaseForm, contravariant=True)

INVALID = 422
STALE = 409


@dataclass(frozen=True)
class TypedValue:
    """A field the person typed otherwise than the record holds now: its label and value."""

    label: str
    value: str


@dataclass(frozen=True)
class Stale:
    """Why a save was refused as stale, and what the person typed that differs from the
    record as stored now (the form itself shows the stored values and version)."""

    message: str
    typed: list[TypedValue] = field(default_factory=list)


class EditPage(Protocol[F_contra, R_contra]):
    """Renders the page: the form, the record as stored, the status and the stale notice
    (None unless a save was stale)."""

    def __call__(
        self,
        request: HttpRequest,
        form: F_contra,
        record: R_contra,
        /,
        *,
        status: int,
        stale: Stale | None,
    ) -> HttpResponse: ...


def show_service_errors(
    form: forms.BaseForm,
    exc: DomainError,
    besides_own: bool,
    field_map: dict[str, str] | None = None,
) -> None:
    """A service's field errors on the form (names renamed by `field_map`, unknown ones at
    the top). `besides_own`: the form refused some fields already; only fields without an
    error of their own get one, so nothing is said twice."""
    if besides_own:
        add_errors_besides(form, exc.errors, field_map)
    else:
        add_domain_errors(form, exc, field_map)


def versioned_edit(
    request: HttpRequest,
    record: R,
    *,
    form: Callable[[R, QueryDict | None], F],
    load: Callable[[], R | None],
    save: Callable[[F, R, int | None], T],
    page: EditPage[F, R],
    saved: Callable[[T], HttpResponse],
    check: Callable[[F, R], object] | None = None,
    ask_first: Callable[[F, R], HttpResponse | None] | None = None,
    field_map: dict[str, str] | None = None,
    show_errors: Callable[[F, DomainError, bool], None] | None = None,
    gone: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    """The edit page of `record` (already read with the viewer's rights checked).

    - `form(record, data)`: the page's form; with data None it shows the record's values
      and version (a hidden `version` field), else it is bound to the POST (and files).
    - `load()`: the record as stored now (after a stale or refused save), None if gone.
    - `save(form, record, version)`: calls the service with the version the person saw.
    - `page(request, form, record, status=, stale=)`: renders the page.
    - `saved(result)`: the answer once saved.
    - `check(form, record)`: the service call from a form Django refused (read
      `cleaned_data.get(...)`; None means "unchanged" to most services), run on a copy of
      the record in a rolled-back transaction to collect its field errors too. Often the
      same call as `save` with no version; never with uploaded files. None: no dry run.
    - `ask_first(form, record)`: a page to show instead of saving yet (possible
      duplicates, "save anyway?"), or None to go on.
    - `field_map` / `show_errors(form, exc, besides_own)`: how service field names land
      on form fields (default: `show_service_errors`).
    - `gone()`: the answer when the record was deleted meanwhile (default 404).
    """
    if request.method != "POST":
        return page(request, form(record, None), record, status=200, stale=None)

    def show(target: F, exc: DomainError, besides_own: bool) -> None:
        if show_errors is not None:
            show_errors(target, exc, besides_own)
        else:
            show_service_errors(target, exc, besides_own, field_map)

    posted = form(record, request.POST)
    if not posted.is_valid():
        if check is not None:
            spare = copy.copy(record)  # services set the values they check on the record
            refusal = service_refusal(lambda: check(posted, spare))
            if refusal is not None:
                show(posted, refusal, True)
        return page(request, posted, record, status=INVALID, stale=None)
    if ask_first is not None and (question := ask_first(posted, record)) is not None:
        return question
    try:
        version = posted.cleaned_data.get("version")
        if version is None and "version" in posted.fields:
            # A POST that does not say which version it edits (a hand-made request, a page
            # from before the field existed) could overwrite a change it never saw.
            raise StaleVersion()
        result = save(posted, record, version)
    except StaleVersion as exc:
        stored = load()
        if stored is None:
            return _gone(gone)
        shown = form(stored, None)
        notice = Stale(exc.message, typed_values(posted, shown))
        return page(request, shown, stored, status=STALE, stale=notice)
    except NotAllowed:
        raise PermissionDenied from None
    except DomainError as exc:
        show(posted, exc, False)
        # The service may have set the refused values on `record`: show the stored one.
        stored = load()
        if stored is None:
            return _gone(gone)
        return page(request, posted, stored, status=_status(exc), stale=None)
    return saved(result)


def _gone(gone: Callable[[], HttpResponse] | None) -> HttpResponse:
    if gone is None:
        raise Http404
    return gone()


def _status(exc: DomainError) -> int:
    """422 for refused fields; a conflict keeps its own 4xx status."""
    return exc.status if 400 <= exc.status < 500 else INVALID


def typed_values(posted: forms.BaseForm, shown: forms.BaseForm) -> list[TypedValue]:
    """The fields of `posted` (the form a stale save refused) whose value differs from what
    `shown` (the form with the stored values) holds, as the person typed them; files chosen
    are named (nothing was stored: they must be chosen again). Hidden fields and passwords
    are left out."""
    cleaned: dict[str, Any] = getattr(posted, "cleaned_data", {})
    typed = []
    for name, posted_field in posted.fields.items():
        widget = posted_field.widget
        if widget.is_hidden or posted_field.disabled or isinstance(widget, forms.PasswordInput):
            continue
        label = str(posted[name].label or name)
        raw = posted[name].data
        if isinstance(posted_field, forms.FileField):
            files = raw if isinstance(raw, list | tuple) else [raw]
            names = [str(f.name) for f in files if f and getattr(f, "name", "")]
            if names:
                typed.append(TypedValue(label, ", ".join(names)))
            continue
        stored = _as_shown(posted_field, shown[name].initial) if name in shown.fields else None
        if posted_field.has_changed(stored, raw):
            typed.append(TypedValue(label, _shown(posted_field, raw, cleaned.get(name))))
    return typed


def _as_shown(posted_field: forms.Field, value: Any) -> Any:
    """A stored value at the precision the page shows it: a date-time input shows minutes,
    so seconds the person could not see are not something they typed otherwise."""
    widget = posted_field.widget
    if not isinstance(widget, forms.widgets.DateTimeBaseInput) or value in (None, ""):
        return value
    try:
        return posted_field.to_python(widget.format_value(posted_field.prepare_value(value)))
    except ValidationError:
        return value


def _shown(posted_field: forms.Field, raw: Any, cleaned: Any) -> str:
    """A typed value as the page would show it: choice labels, Yes/No, localized dates."""
    if isinstance(posted_field, forms.BooleanField):
        return "" if cleaned is None else str(_("Yes") if cleaned else _("No"))
    if isinstance(posted_field, forms.ChoiceField):
        labels = dict(_flat_choices(cast(Iterable[Any], posted_field.choices)))
        values = raw if isinstance(raw, list | tuple) else [raw]
        return ", ".join(labels.get(str(v), str(v)) for v in values if v not in (None, ""))
    if cleaned in (None, "", [], ()):
        return ""
    return str(formats.localize(cleaned))


def _flat_choices(choices: Iterable[Any]) -> Iterable[tuple[str, str]]:
    for value, label in choices:
        if isinstance(label, list | tuple):  # an option group
            yield from _flat_choices(label)
        else:
            yield str(value), str(label)
