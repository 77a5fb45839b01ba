"""The Python <select> writes exactly what Django's templates write."""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates

from vinculo.core.renderers import Renderer


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("1", "Ana <b>"), (2, "Bia & Co")])
    grouped = forms.ChoiceField(
        choices=[("Fruit", [("a", "Apple"), ("b", 'Ba"nana')]), ("c", "Cherry")],
        required=False,
        disabled=True,
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")])
    custom = forms.ChoiceField(
        choices=[("k", "K")], widget=forms.Select(attrs={"data-x": "1 > 0", "autofocus": True})
    )


def test_select_markup_is_the_same_as_djangos():
    form = Sample(data={"plain": "1", "grouped": "b", "many": ["x", "y"], "custom": "k"})
    for name in ("plain", "grouped", "many", "custom"):
        ours = form[name].as_widget()
        form.renderer = DjangoTemplates()
        theirs = form[name].as_widget()
        form.renderer = Renderer()
        assert ours == theirs, name


def test_other_widgets_use_their_templates():
    field = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
    html = field.widget.render("r", "a", renderer=Renderer())
    assert html == field.widget.render("r", "a", renderer=DjangoTemplates())
    assert 'type="radio"' in html


class Inputs(forms.Form):
    name = forms.CharField(label="Name <i>", max_length=20, help_text="Who & why")
    count = forms.IntegerField(min_value=0, required=False)
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"placeholder": 'a"b'}))
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.DateTimeField(required=False, widget=forms.DateTimeInput())
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    agree = forms.BooleanField(required=False, label="")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    link = forms.URLField(required=False, disabled=True, assume_scheme="https")


def _both(form: forms.Form, name: str) -> tuple[str, str]:
    form.renderer = Renderer()
    ours = str(form[name]) + str(form[name].label_tag()) + str(form[name].legend_tag())
    form.renderer = DjangoTemplates()
    theirs = str(form[name]) + str(form[name].label_tag()) + str(form[name].legend_tag())
    return ours, theirs


def test_inputs_textareas_and_labels_are_the_same_as_djangos():
    filled = {
        "name": "Ana <script>&",
        "count": "12",
        "email": "x@y.z",
        "day": "2026-12-02",
        "at": "2026-12-02 10:00",
        "secret": 's"ecret',
        "version": "3",
        "agree": "on",
        "notes": "line 1\n<b>line 2</b>",
        "link": "https://e.x/?a=1&b=2",
    }
    for form in (Inputs(), Inputs(data=filled), Inputs(data={"count": "x"})):
        form.is_valid() if form.is_bound else None
        for name in form.fields:
            ours, theirs = _both(form, name)
            assert ours == theirs, (name, ours, theirs)
    # Written by the Python path, not the templates (a change here would go unnoticed).
    assert (
        Renderer()
        .render(
            "django/forms/widgets/text.html",
            {"widget": {"type": "text", "name": "n", "value": "<", "attrs": {}}},
        )
        .startswith('<input type="text" name="n" value="&lt;">')
    )


def test_a_label_without_attributes_renders_like_djangos():
    context = {"use_tag": True, "tag": "label", "attrs": None, "label": "Língua & país"}
    label = "django/forms/label.html"
    assert Renderer().render(label, context) == DjangoTemplates().render(label, context)
