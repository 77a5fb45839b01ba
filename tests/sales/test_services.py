"""The catalogue's writers: validation, SKU rules, group hierarchy, audit and events."""

from decimal import Decimal

import pytest

from vinculo.core.errors import NotAllowed, StaleVersion, ValidationFailed
from vinculo.core.models import AuditEntry, OutboxEvent
from vinculo.sales import services
from vinculo.sales.models import Product, ProductGroup
from vinculo.sales.services import GroupNotEmpty, ProductData

from .factories import make_group, make_product


def _codes(exc) -> dict[str, list[str]]:
    return {field: [m.code for m in messages] for field, messages in exc.value.errors.items()}


def test_create_product_normalises_sku_and_records_audit_and_event(manager):
    group = make_group(manager, "Hardware")
    product = services.create_product(
        actor=manager,
        data=ProductData(
            sku="  ab-12  x ",
            name=" Drill ",
            group_id=group.pk,
            kind="product",
            list_price="199.90",
            unit_cost=Decimal("120"),
            currency="usd",
            tags=["power tools", "Power Tools"],
        ),
    )
    product.refresh_from_db()
    assert product.sku == "AB-12 X"
    assert product.name == "Drill"
    assert product.list_price == Decimal("199.90") and product.unit_cost == Decimal("120.00")
    assert product.currency == "USD" and product.group == group and product.active
    assert [t.name for t in product.tags.all()] == ["power tools"]
    event = OutboxEvent.objects.filter(name="product.created").get()
    assert event.payload["changes"]["sku"] == [None, "AB-12 X"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, object_id=str(product.pk))


def test_duplicate_sku_is_refused_whatever_its_case_and_spaces(manager):
    make_product(manager, sku="ABC-1")
    with pytest.raises(ValidationFailed) as exc:
        make_product(manager, sku=" abc-1 ")
    assert _codes(exc) == {"sku": ["duplicate"]}
    assert Product.objects.count() == 1


def test_every_field_error_at_once(manager):
    with pytest.raises(ValidationFailed) as exc:
        services.create_product(
            actor=manager,
            data=ProductData(
                sku=" ",
                name="",
                list_price="-1",
                unit_cost="-0.01",
                currency="XYZ",
                kind="gadget",
            ),
        )
    assert _codes(exc) == {
        "sku": ["required"],
        "name": ["required"],
        "list_price": ["negative"],
        "unit_cost": ["negative"],
        "currency": ["unknown_currency"],
        "kind": ["invalid_choice"],
    }
    assert not Product.objects.exists()


def test_errors_in_the_users_language(manager):
    from django.utils import translation

    with translation.override("pt-br"), pytest.raises(ValidationFailed) as exc:
        make_product(manager, sku="X" * 65)
    assert str(exc.value.errors["sku"][0]) == "No máximo 64 caracteres."


def test_update_keeps_unsent_fields_and_refuses_a_stale_version(manager):
    product = make_product(manager, sku="P-1", list_price=Decimal("5"))
    loaded = Product.objects.get(pk=product.pk)
    services.update_product(
        actor=manager, product=product, data=ProductData(name="Renamed"), expected_version=1
    )
    product.refresh_from_db()
    assert product.name == "Renamed" and product.sku == "P-1" and product.version == 2
    assert OutboxEvent.objects.filter(name="product.updated").count() == 1
    with pytest.raises(StaleVersion):
        services.update_product(
            actor=manager, product=loaded, data=ProductData(name="Old"), expected_version=1
        )
    assert Product.objects.get(pk=product.pk).name == "Renamed"


def test_update_to_another_products_sku_is_refused(manager):
    make_product(manager, sku="A-1")
    other = make_product(manager, sku="B-1")
    with pytest.raises(ValidationFailed) as exc:
        services.update_product(
            actor=manager, product=other, data=ProductData(sku="a-1"), expected_version=1
        )
    assert _codes(exc) == {"sku": ["duplicate"]}


def test_delete_product_emits_event(manager):
    product = make_product(manager)
    services.delete_product(actor=manager, product=product, expected_version=1)
    assert not Product.objects.exists()
    assert OutboxEvent.objects.filter(name="product.deleted").count() == 1


def test_only_the_catalogue_capability_changes_the_catalogue(manager, admin, owner, reader):
    product = make_product(admin)
    for user in (owner, reader):
        with pytest.raises(NotAllowed):
            make_product(user)
        with pytest.raises(NotAllowed):
            services.update_product(
                actor=user, product=product, data=ProductData(name="x"), expected_version=1
            )
        with pytest.raises(NotAllowed):
            make_group(user)
        assert Product.objects.visible_to(user).count() == 1
    assert services.may_edit_catalogue(manager) and not services.may_edit_catalogue(owner)


def test_groups_nest_and_names_are_unique_per_parent(manager):
    tools = make_group(manager, "Tools")
    power = make_group(manager, "Power", parent=tools)
    garden = make_group(manager, "Garden")
    make_group(manager, "Power", parent=garden)  # same name, other parent: fine
    with pytest.raises(ValidationFailed) as exc:
        make_group(manager, "power", parent=tools)
    assert _codes(exc) == {"name": ["duplicate"]}
    with pytest.raises(ValidationFailed) as exc:
        make_group(manager, "TOOLS")
    assert _codes(exc) == {"name": ["duplicate"]}
    assert power.parent == tools


def test_moving_a_group_inside_itself_or_its_subgroups_is_refused(manager):
    top = make_group(manager, "Top")
    middle = make_group(manager, "Middle", parent=top)
    low = make_group(manager, "Low", parent=middle)
    for target in (top, middle, low):
        with pytest.raises(ValidationFailed) as exc:
            services.update_group(
                actor=manager, group=top, parent_id=target.pk, move=True, expected_version=1
            )
        assert _codes(exc) == {"parent": ["cycle"]}
    services.update_group(actor=manager, group=low, move=True, parent_id=None, expected_version=1)
    assert ProductGroup.objects.get(pk=low.pk).parent is None
    services.update_group(
        actor=manager, group=top, move=True, parent_id=low.pk, name="Top 2", expected_version=1
    )
    top.refresh_from_db()
    assert top.parent_id == low.pk and top.name == "Top 2"


def test_a_group_with_products_or_subgroups_is_not_deleted(manager):
    top = make_group(manager, "Top")
    sub = make_group(manager, "Sub", parent=top)
    make_product(manager, group=sub)
    for group in (top, sub):
        with pytest.raises(GroupNotEmpty):
            services.delete_group(actor=manager, group=group, expected_version=1)
    empty = make_group(manager, "Empty")
    services.delete_group(actor=manager, group=empty, expected_version=1)
    assert set(ProductGroup.objects.values_list("name", flat=True)) == {"Top", "Sub"}


def test_granting_the_capability_to_a_role_lets_it_keep_the_catalogue(admin, owner):
    from vinculo.accounts.models import Role
    from vinculo.accounts.services import update_role

    with pytest.raises(NotAllowed):
        make_product(owner)
    role = Role.objects.get(code=Role.SALES)
    update_role(actor=admin, role=role, expected_version=role.version, can_manage_catalogue=True)
    owner.refresh_from_db()
    assert make_product(owner, sku="S-1").sku == "S-1"
