from __future__ import annotations

from django.urls import reverse

from vinculo.core.errors import StaleVersion
from vinculo.customers.models import CustomFieldDefinition

FIELDS = reverse("customers:custom_fields")
CREATE = reverse("customers:custom_field_create")


def _data(**changes):
    data = {
        "label": "Shoe size",
        "field_type": "choice",
        "choices": "38\r\n39\r\n\r\n40",
        "applies_to": "person",
        "position": 2,
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_create_and_list(client, admin):
    client.force_login(admin)
    response = client.post(CREATE, _data(key="shoe_size", required="on"))
    assert response.status_code == 302 and response.url == FIELDS
    field = CustomFieldDefinition.objects.get()
    assert field.key == "shoe_size" and field.choices == ["38", "39", "40"] and field.required
    html = client.get(FIELDS).content.decode()
    assert "Shoe size" in html and "shoe_size" in html and "38, 39, 40" in html


def test_choice_type_needs_choices_and_keys_are_unique(client, admin):
    client.force_login(admin)
    response = client.post(CREATE, _data(key="size", choices=""))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"choices"}
    client.post(CREATE, _data(key="size"))
    response = client.post(CREATE, _data(key="SIZE", label="Other"))
    assert "key" in response.context["form"].errors
    assert CustomFieldDefinition.objects.count() == 1


def test_key_cannot_change_after_creation(client, admin):
    client.force_login(admin)
    client.post(CREATE, _data(key="size"))
    field = CustomFieldDefinition.objects.get()
    url = reverse("customers:custom_field_edit", args=[field.pk])
    page = client.get(url).content.decode()
    assert 'name="key"' not in page and 'value="size" readonly' in page
    response = client.post(url, _data(key="renamed", label="Size (EU)", version=1))
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.key == "size" and field.label == "Size (EU)" and field.version == 2


def test_stale_edit_and_delete(client, admin):
    client.force_login(admin)
    client.post(CREATE, _data(key="size"))
    field = CustomFieldDefinition.objects.get()
    url = reverse("customers:custom_field_edit", args=[field.pk])
    client.post(url, _data(label="Newer", version=1))
    response = client.post(url, _data(label="Older", version=1))
    html = response.content.decode()
    assert str(StaleVersion.title) in html and 'value="Newer"' in html
    delete = reverse("customers:custom_field_delete", args=[field.pk])
    assert client.post(delete, {"version": 1}).url == url
    assert CustomFieldDefinition.objects.filter(pk=field.pk).exists()
    assert client.post(delete, {"version": 2}).url == FIELDS
    assert not CustomFieldDefinition.objects.exists()


def test_labels_are_escaped(client, admin):
    client.force_login(admin)
    client.post(CREATE, _data(key="x", label="<script>x()</script>", field_type="text"))
    html = client.get(FIELDS).content.decode()
    assert "<script>x()</script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html
