"""Tags and custom fields are a mixin any model can take: a second model (a test-only
Gadget, with its own table) gets definitions, checked values, tags, list filters, form
fields and API filters from vinculo.core.tagging, apart from the customers' ones."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.db import connection, models, transaction

from tests.customers.factories import make_customer
from vinculo.core import persistence
from vinculo.core.errors import FieldErrors, NotAllowed, ValidationFailed
from vinculo.core.models import AuditEntry, VersionedModel
from vinculo.core.tagging import services
from vinculo.core.tagging.api import list_filters
from vinculo.core.tagging.filters import TagAndFieldFilter
from vinculo.core.tagging.forms import TagsField, add_custom_fields, custom_initial, custom_values
from vinculo.core.tagging.models import CustomFieldDefinition, HasCustomFields, Tagged
from vinculo.core.tagging.values import (
    apply_custom_data,
    clean_custom_data,
    clean_tag_names,
    definitions_for,
    set_tags,
    tag_names_of,
    tag_objects,
)
from vinculo.customers.custom_fields import active_definitions


class Gadget(Tagged, HasCustomFields, VersionedModel):
    """A record type nothing else knows, taking both mixins the way deals or tickets will."""

    name = models.CharField(max_length=50)
    size = models.CharField(max_length=10, default="small")

    custom_field_applies_to = [("all", "All gadgets"), ("big", "Big"), ("small", "Small")]

    class Meta:
        # A model of an installed app, so Tag learns the reverse relation; its table exists
        # only while this module runs (no migration: see gadget_table).
        app_label = "core"
        db_table = "test_tagging_gadget"

    def __str__(self) -> str:
        return self.name

    def custom_field_kind(self) -> str:
        return self.size


@pytest.fixture(scope="module")
def gadget_table(django_db_setup, django_db_blocker):
    """The Gadget table (and its tag link table) for this module only."""
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(Gadget)
        yield
        with connection.schema_editor() as editor:
            editor.delete_model(Gadget)


@pytest.fixture
def gadget_fields(gadget_table, admin):
    """Three gadget fields, one only for big gadgets."""
    return [
        services.create_field(
            actor=admin, model=Gadget, key="weight", label="Weight", field_type="number"
        ),
        services.create_field(
            actor=admin,
            model=Gadget,
            key="color",
            label="Colour",
            field_type="choice",
            choices=["red", "blue"],
        ),
        services.create_field(
            actor=admin,
            model=Gadget,
            key="wheels",
            label="Wheels",
            field_type="number",
            applies_to="big",
            required=True,
        ),
    ]


def save_gadget(
    actor: Any,
    *,
    name: str,
    size: str = "small",
    custom: dict[str, Any] | None = None,
    tags: list[str] | None = None,
) -> Gadget:
    """A writer the way an app's service would be built on the mixin helpers."""
    errors = FieldErrors()
    gadget = Gadget(name=name, size=size)
    apply_custom_data(gadget, custom or {}, errors, kind=gadget.custom_field_kind())
    names = clean_tag_names(tags or [], errors)
    errors.raise_if_any()
    with transaction.atomic():
        found = tag_objects(names)
        persistence.create(gadget, actor=actor, save_related=lambda g: set_tags(g, found))
    return gadget


def test_definitions_belong_to_one_model(gadget_fields, admin, owner):
    services.create_field(
        actor=admin,
        model="customers.customer",
        key="weight",
        label="Customer weight",
        field_type="text",
    )
    assert [d.key for d in definitions_for(Gadget)] == ["weight", "color", "wheels"]
    assert [d.key for d in definitions_for(Gadget, "small")] == ["weight", "color"]
    assert [d.label for d in active_definitions()] == ["Customer weight"]
    assert {d.model for d in CustomFieldDefinition.objects.all()} == {
        "core.gadget",
        "customers.customer",
    }
    with pytest.raises(ValidationFailed) as err:  # a key is unique per model
        services.create_field(actor=admin, model=Gadget, key="weight", label="W", field_type="text")
    assert "key" in err.value.errors
    with pytest.raises(ValidationFailed) as err:  # subtypes are the model's own
        services.create_field(
            actor=admin,
            model=Gadget,
            key="doors",
            label="Doors",
            field_type="number",
            applies_to="person",
        )
    assert "applies_to" in err.value.errors
    with pytest.raises(ValidationFailed) as err:  # a model without the mixin has none
        services.create_field(actor=admin, model=AuditEntry, key="x", label="X", field_type="text")
    assert "model" in err.value.errors
    with pytest.raises(NotAllowed):
        services.create_field(actor=owner, model=Gadget, key="y", label="Y", field_type="text")
    wheels = CustomFieldDefinition.objects.get(model="core.gadget", key="wheels")
    assert wheels.get_applies_to_display() == "Big"


def test_values_are_checked_per_model_and_subtype(gadget_fields, admin):
    clean, errors = clean_custom_data(Gadget, "big", {"weight": "1.5", "color": "green"})
    assert clean == {"weight": 1.5}
    assert set(errors) == {"custom.color", "custom.wheels"}  # bad choice; required when big
    clean, errors = clean_custom_data(Gadget, "small", {"weight": "2", "color": "red"})
    assert clean == {"weight": 2, "color": "red"} and errors == {}
    _clean, errors = clean_custom_data("customers.customer", "person", {"weight": "2"})
    assert errors == {"custom.weight": ["Unknown custom field."]}  # not a customer field
    with pytest.raises(ValidationFailed) as err:
        save_gadget(admin, name="Truck", size="big", custom={"weight": "3"})
    assert err.value.errors == {"custom.wheels": ["This field is required."]}


def test_tags_and_values_are_saved_and_audited(gadget_fields, admin):
    gadget = save_gadget(
        admin, name="Cart", custom={"weight": "10", "color": "blue"}, tags=["vip", "Spring"]
    )
    stored = Gadget.objects.get(pk=gadget.pk)
    assert stored.custom_data == {"weight": 10, "color": "blue"}
    assert sorted(t.name for t in stored.tags.all()) == ["Spring", "vip"]
    entry = AuditEntry.objects.get(model="core.gadget", object_id=str(gadget.pk))
    assert entry.changes["tags"] == [None, ["Spring", "vip"]]
    assert entry.changes["custom_data"] == [None, {"weight": 10, "color": "blue"}]
    customer = make_customer(admin, name="Ana", tags=["vip"])
    assert [t.pk for t in customer.tags.all()] == [
        t.pk for t in stored.tags.filter(name="vip")
    ]  # one shared "vip" tag, two link tables
    assert tag_names_of([stored]) == {stored.pk: ["Spring", "vip"]}
    with transaction.atomic():
        assert set_tags(stored, tag_objects(["VÍP"])) == {  # joins "vip", however typed
            "tags": [["Spring", "vip"], ["vip"]]
        }
        assert set_tags(stored, tag_objects(["vip"])) == {}


def test_list_filters_work_on_the_second_model(gadget_fields, admin):
    save_gadget(admin, name="Light", custom={"weight": "1", "color": "red"}, tags=["vip"])
    save_gadget(admin, name="Medium", custom={"weight": "5", "color": "blue"})
    save_gadget(
        admin, name="Heavy", size="big", custom={"weight": "50", "wheels": "4"}, tags=["vip"]
    )

    def names(params: dict[str, str]) -> list[str]:
        flt = list_filters(Gadget, params)
        return sorted(g.name for g in flt.apply(Gadget.objects.all()))

    assert names({}) == ["Heavy", "Light", "Medium"]
    assert names({"tag": "vip"}) == ["Heavy", "Light"]
    assert names({"tag": " VÍP "}) == ["Heavy", "Light"]  # any case, any accent
    assert names({"cf_weight__gte": "2"}) == ["Heavy", "Medium"]
    assert names({"cf_weight__gte": "2", "cf_weight__lte": "10"}) == ["Medium"]
    assert names({"cf_color": "red", "tag": "vip"}) == ["Light"]
    assert names({"tag": "nobody-uses-this"}) == []
    with pytest.raises(ValidationFailed) as err:
        list_filters(Gadget, {"cf_color__gte": "red", "cf_nope": "1", "cf_weight": "many"})
    assert set(err.value.errors) == {"cf_color__gte", "cf_nope", "cf_weight"}
    # A customers' field is no filter on gadgets, and the reverse.
    services.create_field(
        actor=admin, model="customers.customer", key="segment", label="Segment", field_type="text"
    )
    errors: dict[str, list[str]] = {}
    assert TagAndFieldFilter.from_params(Gadget, {"cf_segment": "x"}, errors).custom == []
    assert errors == {"cf_segment": ["Unknown custom field."]}


def test_form_fields_come_with_the_mixin(gadget_fields):
    definitions = definitions_for(Gadget)

    class GadgetForm(forms.Form):
        name = forms.CharField()
        tags = TagsField()

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            add_custom_fields(self, definitions)

    form = GadgetForm(
        {
            "name": "Cart",
            "tags": " vip, spring ,",
            "cf_weight": "3",
            "cf_color": "red",
            "cf_wheels": "",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tags"] == ["vip", "spring"]
    assert custom_values(form.cleaned_data, definitions, "small") == {
        "weight": "3",
        "color": "red",
    }
    assert custom_values(form.cleaned_data, definitions, "big")["wheels"] == ""
    assert list(form.fields["cf_color"].choices) == [("", "—"), ("red", "red"), ("blue", "blue")]
    assert not GadgetForm({"name": "x", "cf_color": "green"}).is_valid()
    initial = custom_initial({"weight": 3, "color": "red"}, definitions)
    assert initial == {"cf_weight": 3, "cf_color": "red", "cf_wheels": None}
