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
