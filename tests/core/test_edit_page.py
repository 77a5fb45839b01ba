"""core.edit_page.versioned_edit: the one flow of every page that edits a versioned record,
tried on a small form and a plain record, without any app's models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.test import RequestFactory
from django.utils.datastructures import MultiValueDict

from vinculo.core.edit_page import Stale, typed_values, versioned_edit
from vinculo.core.errors import (
    Conflict,
    FieldErrors,
    NotAllowed,
    StaleVersion,
    ValidationFailed,
)


@dataclass
class Note:
    title: str
    color: str
    version: int = 1


class NoteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label="Title", max_length=10)
    color = forms.ChoiceField(label="Color", choices=[("red", "Red"), ("blue", "Blue")])


def note_form(note: Note, data: QueryDict | None) -> NoteForm:
    return NoteForm(
        data, initial={"title": note.title, "color": note.color, "version": note.version}
    )


@dataclass
class Shown:
    form: NoteForm
    note: Note
    status: int
    stale: Stale | None


class Page:
    """Renders nothing; remembers what the page would have shown."""

    def __init__(self) -> None:
        self.shown: Shown | None = None

    def __call__(
        self, request: HttpRequest, form: NoteForm, note: Note, *, status: int, stale: Stale | None
    ) -> HttpResponse:
        self.shown = Shown(form, note, status, stale)
        return HttpResponse(status=status)


def post(**data: str) -> HttpRequest:
    return RequestFactory().post("/notes/1/edit/", data)


def edit(request: HttpRequest, note: Note, page: Page, **kwargs: Any) -> HttpResponse:
    options: dict[str, Any] = {
        "form": note_form,
        "load": lambda: Note("Stored", "blue", version=2),
        "save": lambda form, note, version: note,
        "saved": lambda note: HttpResponse("saved"),
    }
    options.update(kwargs)
    return versioned_edit(request, note, page=page, **options)


def test_get_shows_the_records_values_and_version():
    page = Page()
    response = edit(RequestFactory().get("/notes/1/edit/"), Note("Mine", "red"), page)
    assert response.status_code == 200 and page.shown is not None
    form = page.shown.form
    assert not form.is_bound
    assert (form["title"].value(), form["version"].value()) == ("Mine", 1)


def test_a_valid_post_saves_with_the_version_the_person_saw():
    calls = []

    def save(form: NoteForm, note: Note, version: int | None) -> Note:
        calls.append((form.cleaned_data["title"], version))
        return note

    response = edit(
        post(title="New", color="red", version="7"), Note("Old", "red"), Page(), save=save
    )
    assert response.content == b"saved" and calls == [("New", 7)]


@pytest.mark.django_db
def test_a_refused_form_also_shows_the_services_errors_without_saving():
    note = Note("Old", "red")
    seen: list[Note] = []

    def check(form: NoteForm, copy: Note) -> None:
        seen.append(copy)
        copy.title = "changed by the service"  # services set what they check
        errors = FieldErrors()
        errors.add("title", "Refused by the service")  # the form has its own: not repeated
        errors.add("color", "Not this color")
        errors.raise_if_any()

    page = Page()
    response = edit(post(title="x" * 11, color="red", version="1"), note, page, check=check)
    assert response.status_code == 422 and page.shown is not None
    errors = page.shown.form.errors
    assert errors["color"] == ["Not this color"]
    assert errors["title"] == ["Ensure this value has at most 10 characters (it has 11)."]
    assert seen and seen[0] is not note and note.title == "Old"
    assert page.shown.note is note


def test_a_stale_save_shows_the_stored_record_and_what_was_typed():
    def save(form: NoteForm, note: Note, version: int | None) -> Note:
        raise StaleVersion()

    page = Page()
    response = edit(
        post(title="Mine", color="blue", version="1"), Note("Old", "red"), page, save=save
    )
    assert response.status_code == 409 and page.shown is not None
    assert page.shown.note == Note("Stored", "blue", version=2)
    form = page.shown.form
    assert not form.is_bound and form["title"].value() == "Stored"
    assert form["version"].value() == 2
    assert page.shown.stale is not None
    assert page.shown.stale.message == str(StaleVersion.title)
    # The color typed is the one stored now: only the title differs.
    assert [(t.label, t.value) for t in page.shown.stale.typed] == [("Title", "Mine")]


def test_a_service_refusal_keeps_the_input_and_shows_the_stored_record():
    def save(form: NoteForm, note: Note, version: int | None) -> Note:
        note.title = "half-applied"
        raise ValidationFailed(errors={"name": ["Taken"]})

    page = Page()
    response = edit(
        post(title="Mine", color="red", version="1"),
        Note("Old", "red"),
        page,
        save=save,
        field_map={"name": "title"},
    )
    assert response.status_code == 422 and page.shown is not None
    assert page.shown.form["title"].value() == "Mine"
    assert page.shown.form.errors["title"] == ["Taken"]
    assert page.shown.note.title == "Stored"


def test_a_conflict_keeps_its_status_and_a_refusal_of_rights_is_403():
    def conflict(form: NoteForm, note: Note, version: int | None) -> Note:
        raise Conflict()

    def refuse(form: NoteForm, note: Note, version: int | None) -> Note:
        raise NotAllowed()

    page = Page()
    data = {"title": "Mine", "color": "red", "version": "1"}
    assert edit(post(**data), Note("Old", "red"), page, save=conflict).status_code == 409
    assert page.shown is not None and page.shown.stale is None
    assert str(Conflict.title) in page.shown.form.non_field_errors()
    with pytest.raises(PermissionDenied):
        edit(post(**data), Note("Old", "red"), page, save=refuse)


def test_a_record_deleted_meanwhile_is_404_or_the_pages_own_answer():
    def save(form: NoteForm, note: Note, version: int | None) -> Note:
        raise StaleVersion()

    data = {"title": "Mine", "color": "red", "version": "1"}
    with pytest.raises(Http404):
        edit(post(**data), Note("Old", "red"), Page(), save=save, load=lambda: None)
    response = edit(
        post(**data),
        Note("Old", "red"),
        Page(),
        save=save,
        load=lambda: None,
        gone=lambda: HttpResponse("gone", status=302),
    )
    assert response.status_code == 302 and response.content == b"gone"


def test_ask_first_answers_instead_of_saving():
    saves = []
    response = edit(
        post(title="Mine", color="red", version="1"),
        Note("Old", "red"),
        Page(),
        save=lambda form, note, version: saves.append(1),
        ask_first=lambda form, note: HttpResponse("sure?"),
    )
    assert response.content == b"sure?" and not saves


class EverythingForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label="Name", required=False)
    active = forms.BooleanField(label="Active", required=False)
    tags = forms.MultipleChoiceField(
        label="Tags", required=False, choices=[("a", "Alpha"), ("b", "Beta"), ("c", "Gamma")]
    )
    due = forms.DateField(label="Due", required=False)
    secret = forms.CharField(label="Secret", required=False, widget=forms.PasswordInput)
    upload = forms.FileField(label="Upload", required=False)


def test_typed_values_read_as_the_page_shows_them():
    stored = {"name": "Ana", "active": True, "tags": ["a"], "due": dt.date(2025, 1, 5)}
    shown = EverythingForm(initial={**stored, "version": 3})
    data = QueryDict(mutable=True)
    data.update({"version": "2", "name": "Ana", "due": "2025-01-06", "secret": "hunter2"})
    data.setlist("tags", ["b", "c"])
    files = MultiValueDict({"upload": [SimpleUploadedFile("quote.pdf", b"%PDF")]})
    posted = EverythingForm(data, files)
    assert posted.is_valid(), posted.errors
    typed = {t.label: t.value for t in typed_values(posted, shown)}
    # Name unchanged; the version is hidden and the password never repeated.
    assert typed == {
        "Active": "No",
        "Tags": "Beta, Gamma",
        "Due": "Jan. 6, 2025",
        "Upload": "quote.pdf",
    }


class LooseNoteForm(NoteForm):
    """A form whose version is optional, as some edit forms declare it."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def test_a_post_without_a_version_never_overwrites_and_is_answered_as_stale():
    saved: list[int | None] = []

    def save(form: NoteForm, note: Note, version: int | None) -> Note:
        saved.append(version)
        return note

    page = Page()
    response = edit(
        post(title="Blind", color="red"),
        Note("Old", "red"),
        page,
        save=save,
        form=lambda note, data: LooseNoteForm(data, initial={"title": note.title}),
    )
    assert response.status_code == 409 and saved == []
    assert page.shown is not None and page.shown.stale is not None
