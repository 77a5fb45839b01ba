"""Create, edit and delete customers through the page forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from vinculo.customers.models import Customer, CustomFieldDefinition
from vinculo.customers.services import CustomerData, update_customer

CREATE = "/customers/new/"


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on English text whatever the default language and its catalogues."""
    settings.LANGUAGE_CODE = "en"


def edit_url(c: Customer) -> str:
    return f"/customers/{c.pk}/edit/"


def delete_url(c: Customer) -> str:
    return f"/customers/{c.pk}/delete/"


def post_data(**values: object) -> dict[str, object]:
    data: dict[str, object] = {"kind": "person", "name": "Ana Souza", "stage": "lead"}
    data.update(values)
    return data


def current_form(client, customer: Customer) -> dict[str, object]:
    """What the edit form submits unchanged: its initial values."""
    form = client.get(edit_url(customer)).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value not in (None, ""):
            data[name] = value
    return data


@pytest.mark.parametrize(
    "path",
    [
        "/customers/new/",
        "/customers/1/edit/",
        "/customers/1/delete/",
        "/customers/suggest/?field=organization&organization_q=acme",
    ],
)
def test_anonymous_is_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_create_form_has_the_fields_the_browser_test_uses(client, owner):
    client.force_login(owner)
    html = client.get(CREATE).content.decode()
    for field_id in [
        "id_name",
        "id_tax_id",
        "id_email_0",
        "id_email_2",
        "id_phone_0",
        "id_phone_2",
    ]:
        assert f'id="{field_id}"' in html
    assert 'name="organization_q"' in html and '<select name="organization"' not in html
    assert 'name="owner"' not in html  # sales reps cannot give customers away


def test_create_saves_everything_and_opens_the_360(client, owner):
    CustomFieldDefinition.objects.create(
        key="segment", label="Segment", field_type="choice", choices=["retail", "wholesale"]
    )
    CustomFieldDefinition.objects.create(key="vip", label="VIP", field_type="boolean")
    client.force_login(owner)
    response = client.post(
        CREATE,
        post_data(
            tax_id="111.444.777-35",
            birth_date="1990-05-17",
            source="referral",
            tags="vip, newsletter",
            notes="Line 1\nLine 2",
            email_0="Ana@Example.com",
            email_label_0="work",
            email_1="ana.home@example.com",
            phone_0="(11) 98765-4321",
            phone_label_0="mobile",
            social_platform_0="instagram",
            social_0="@ana",
            address_0_line1="Rua A, 10",
            address_0_city="São Paulo",
            address_0_country="BR",
            cf_segment="retail",
            cf_vip="true",
        ),
    )
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.owner == owner and customer.tax_id == "11144477735"
    assert customer.birth_date.isoformat() == "1990-05-17"
    assert customer.custom_data == {"segment": "retail", "vip": True}
    assert sorted(customer.tags.values_list("name", flat=True)) == ["newsletter", "vip"]
    points = list(customer.contact_points.values_list("kind", "value", "is_primary"))
    assert ("email", "ana@example.com", True) in points
    assert ("email", "ana.home@example.com", False) in points
    assert ("phone", "+5511987654321", True) in points
    assert ("social", "instagram:ana", True) in points
    assert customer.addresses.get().city == "São Paulo"
    page = client.get(response["Location"]).content.decode()
    assert "Customer created." in page and "111.444.777-35" in page


def test_invalid_rows_are_shown_on_their_own_field_and_nothing_is_saved(client, owner):
    CustomFieldDefinition.objects.create(key="employees", label="Employees", field_type="number")
    client.force_login(owner)
    response = client.post(
        CREATE,
        post_data(
            email_0="ok@example.com",
            email_1="not-an-email",
            phone_0="123",
            tax_id="111.111.111-11",
            cf_employees="many",
            address_0_line1="Rua A, 10",  # no city
        ),
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert "email_1" in form.errors and "email_0" not in form.errors
    assert "phone_0" in form.errors
    assert not Customer.objects.exists()
    # The service's errors (tax id, custom field, address part) land on their fields too.
    response = client.post(
        CREATE, post_data(tax_id="111.111.111-11", cf_employees="many", address_0_line1="Rua A, 10")
    )
    form = response.context["form"]
    assert set(form.errors) >= {"tax_id", "cf_employees", "address_0_city"}
    html = response.content.decode()
    assert "Enter a number." in html and "111.111.111-11" in html
    assert not Customer.objects.exists()


def test_probable_duplicates_saved_anyway_are_announced_on_the_360(client, owner):
    first = make_customer(owner, name="Ana Souza", emails=["ana@example.com"])
    client.force_login(owner)
    data = post_data(name="Ana S.", email_0="ANA@example.com", confirm_duplicates="1")
    response = client.post(CREATE, data, follow=True)
    html = response.content.decode()
    assert "This customer may be a duplicate of:" in html
    assert f'<a href="/customers/{first.pk}/">Ana Souza</a>' in html


def test_duplicate_warning_escapes_names(client, owner):
    make_customer(owner, name="<b>Bold</b>", emails=["b@example.com"])
    client.force_login(owner)
    html = client.post(CREATE, post_data(email_0="b@example.com")).content.decode()
    assert "Probable duplicates" in html
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt;" in html


def test_organization_chooser_offers_only_visible_organizations(client, owner, outsider):
    acme = make_customer(owner, name="Acme Brasil", kind="organization")
    make_customer(owner, name="Acme Person")  # a person: never offered as organization
    hidden = make_customer(outsider, name="Acme Secret", kind="organization")
    client.force_login(owner)
    html = client.get("/customers/suggest/?field=organization&organization_q=acme").content.decode()
    assert f'value="{acme.pk}"' in html and "Acme Brasil" in html
    assert "Acme Person" not in html and "Acme Secret" not in html
    # The current choice stays selected while searching for another.
    html = client.get(
        f"/customers/suggest/?field=organization&organization_q=zz&organization={acme.pk}"
    ).content.decode()
    assert f'value="{acme.pk}" checked' in html
    response = client.post(CREATE, post_data(organization=str(acme.pk)))
    assert response.status_code == 302
    assert Customer.objects.get(name="Ana Souza").organization == acme
    response = client.post(CREATE, post_data(name="Spy", organization=str(hidden.pk)))
    assert response.status_code == 422
    assert "Choose an organization you can see." in response.content.decode()


def test_manager_can_choose_the_owner_within_the_team(client, owner, team):
    manager = make_user("manager", team=team)
    client.force_login(manager)
    html = client.get(CREATE).content.decode()
    assert 'name="owner"' in html and f'value="{owner.pk}"' in html
    response = client.post(CREATE, post_data(owner=str(owner.pk)))
    assert response.status_code == 302
    assert Customer.objects.get().owner == owner


def test_roles_without_write_scope_cannot_create(client, db):
    client.force_login(make_user("marketing"))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, post_data()).status_code == 403
    assert not Customer.objects.exists()


def test_owner_edits_with_current_values_prefilled(client, owner):
    customer = make_customer(
        owner,
        name="Ana",
        emails=["ana@example.com"],
        phones=["11987654321"],
        tax_id="11144477735",
        tags=["vip"],
    )
    client.force_login(owner)
    response = client.get(edit_url(customer))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_0"' in html and 'value="ana@example.com"' in html
    assert 'value="(11) 98765-4321"' in html and 'value="111.444.777-35"' in html
    assert 'id="id_email_3"' in html  # three empty rows after the existing one
    data = current_form(client, customer)
    data.update(name="Ana Maria", phone_1="11 3456-7890")
    response = client.post(edit_url(customer), data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Ana Maria" and customer.version == 2
    assert customer.contact_points.filter(kind="phone").count() == 2
    assert customer.contact_points.get(kind="email").value == "ana@example.com"


def test_stale_edit_shows_the_message_and_current_values_and_saves_nothing(client, owner):
    customer = make_customer(owner, name="Ana")
    client.force_login(owner)
    data = current_form(client, customer)
    # Someone else saves in between.
    update_customer(
        actor=owner,
        customer=Customer.objects.get(pk=customer.pk),
        data=CustomerData(name="Ana (changed elsewhere)"),
        expected_version=1,
    )
    data["name"] = "Ana (my edit)"
    response = client.post(edit_url(customer), data)
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed by someone else" in html
    # The form holds what is stored now; what this person typed is listed, not lost.
    assert 'value="Ana (changed elsewhere)"' in html and 'value="Ana (my edit)"' not in html
    assert "<dt>Name</dt><dd>Ana (my edit)</dd>" in html
    assert 'name="version" value="2"' in html
    customer.refresh_from_db()
    assert customer.name == "Ana (changed elsewhere)" and customer.version == 2


def test_teammate_reads_but_cannot_edit_or_delete(client, owner, teammate):
    customer = make_customer(owner, name="Ana")
    client.force_login(teammate)
    assert client.get(f"/customers/{customer.pk}/").status_code == 200
    assert client.get(edit_url(customer)).status_code == 403
    assert client.post(edit_url(customer), post_data(name="Hacked", version=1)).status_code == 403
    assert client.get(delete_url(customer)).status_code == 403
    assert client.post(delete_url(customer), {"version": 1}).status_code == 403
    customer.refresh_from_db()
    assert customer.name == "Ana"


def test_outsider_gets_404_everywhere(client, owner, outsider):
    customer = make_customer(owner, name="Ana")
    client.force_login(outsider)
    for url in [edit_url(customer), delete_url(customer)]:
        assert client.get(url).status_code == 404
        assert client.post(url, post_data(version=1)).status_code == 404
    assert Customer.objects.filter(pk=customer.pk, name="Ana").exists()


def test_delete_asks_then_deletes(client, owner):
    customer = make_customer(owner, name="Ana")
    client.force_login(owner)
    page = client.get(delete_url(customer)).content.decode()
    assert "Delete Ana?" in page and 'name="version" value="1"' in page
    response = client.post(delete_url(customer), {"version": 1}, follow=True)
    assert response.redirect_chain[-1][0] == "/customers/"
    assert "Customer “Ana” deleted." in response.content.decode()
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_stale_delete_keeps_the_customer(client, owner):
    customer = make_customer(owner, name="Ana")
    update_customer(
        actor=owner,
        customer=Customer.objects.get(pk=customer.pk),
        data=CustomerData(name="Ana B"),
        expected_version=1,
    )
    client.force_login(owner)
    response = client.post(delete_url(customer), {"version": 1})
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert 'name="version" value="2"' in response.content.decode()
    assert Customer.objects.filter(pk=customer.pk).exists()


# --- every error at once; identity and probable duplicates before saving ----------------


def test_a_bad_cpf_and_a_bad_email_are_both_shown_at_once(client, owner):
    CustomFieldDefinition.objects.create(key="employees", label="Employees", field_type="number")
    client.force_login(owner)
    response = client.post(
        CREATE,
        post_data(
            name="",
            email_0="not-an-email",
            tax_id="111.111.111-11",
            cf_employees="many",
            address_0_line1="Rua A, 10",
        ),
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"name", "email_0", "tax_id", "cf_employees", "address_0_city"}
    assert form.errors["name"] == ["This field is required."]  # once, not twice
    assert not Customer.objects.exists()


def test_a_bad_email_on_edit_does_not_hide_a_bad_cpf(client, owner):
    customer = make_customer(owner, name="Ana")
    client.force_login(owner)
    data = current_form(client, customer)
    data.update(email_0="nope@", tax_id="123")
    response = client.post(edit_url(customer), data)
    assert response.status_code == 422
    assert {"email_0", "tax_id"} <= set(response.context["form"].errors)


def test_a_taken_tax_id_is_refused_with_a_link_to_its_holder(client, owner):
    first = make_customer(owner, name="Ana Souza", tax_id="11144477735")
    client.force_login(owner)
    response = client.post(CREATE, post_data(name="Ana S.", tax_id="111.444.777-35"))
    assert response.status_code == 422
    html = response.content.decode()
    assert f'<a href="/customers/{first.pk}/">Ana Souza</a>' in html
    assert Customer.objects.count() == 1


def test_a_taken_tax_id_of_an_unseen_customer_names_nobody(client, owner, outsider):
    hidden = make_customer(outsider, name="<b>Hidden</b> Person", tax_id="11144477735")
    client.force_login(owner)
    response = client.post(CREATE, post_data(tax_id="111.444.777-35"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Another customer already has this tax id, in records you cannot see." in html
    assert "Hidden" not in html and f"/customers/{hidden.pk}/" not in html


def test_a_shared_email_is_asked_about_before_saving_then_saved_anyway(client, owner):
    first = make_customer(owner, name="Ana Souza", emails=["ana@example.com"])
    client.force_login(owner)
    data = post_data(name="Ana S.", email_0="ANA@example.com")
    response = client.post(CREATE, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Probable duplicates" in html
    assert f'<a href="/customers/{first.pk}/">Ana Souza</a>' in html
    assert 'name="confirm_duplicates"' in html
    assert Customer.objects.count() == 1  # nothing saved yet
    response = client.post(CREATE, {**data, "confirm_duplicates": "1"})
    assert response.status_code == 302
    assert Customer.objects.filter(name="Ana S.").exists()


def test_an_edit_asks_only_about_newly_shared_values(client, owner):
    make_customer(owner, name="Ana Souza", emails=["ana@example.com"], phones=["11 98765-4321"])
    bruno = make_customer(owner, name="Bruno", emails=["ana@example.com"])
    client.force_login(owner)
    data = current_form(client, bruno)
    data["job_title"] = "Buyer"
    assert client.post(edit_url(bruno), data).status_code == 302  # old shared email: no question
    data = current_form(client, Customer.objects.get(pk=bruno.pk))
    data["phone_0"] = "(11) 98765-4321"
    response = client.post(edit_url(bruno), data)
    assert response.status_code == 200 and "Probable duplicates" in response.content.decode()
    assert not Customer.objects.get(pk=bruno.pk).contact_points.filter(kind="phone").exists()


def test_customers_the_user_cannot_see_are_never_listed_as_duplicates(client, owner, outsider):
    make_customer(outsider, name="Hidden", emails=["shared@example.com"])
    client.force_login(owner)
    response = client.post(CREATE, post_data(email_0="shared@example.com"))
    assert response.status_code == 302


# --- dates within the years the API takes (core.dates) ----------------------------------

YEARS = "Enter a date between the years 1900 and 2200."


@pytest.mark.parametrize("birth_date", ["1899-12-31", "0202-05-17", "2201-01-01"])
def test_a_birth_date_outside_the_years_is_refused(client, owner, birth_date):
    client.force_login(owner)
    page = client.get(CREATE).content.decode()
    assert 'type="date"' in page and 'min="1900-01-01"' in page and 'max="2200-12-31"' in page
    response = client.post(CREATE, post_data(birth_date=birth_date))
    assert response.status_code == 422
    assert response.context["form"].errors["birth_date"] == [YEARS]
    assert YEARS in response.content.decode()
    assert not Customer.objects.exists()


def test_the_years_bounds_themselves_are_taken(client, owner):
    client.force_login(owner)
    for birth_date in ("1900-01-01", "2200-12-31"):
        response = client.post(CREATE, post_data(name=f"Born {birth_date}", birth_date=birth_date))
        assert response.status_code == 302
    assert sorted(str(c.birth_date) for c in Customer.objects.all()) == [
        "1900-01-01",
        "2200-12-31",
    ]


def test_an_edit_keeps_the_stored_birth_date_when_the_new_one_is_out_of_range(client, owner):
    customer = make_customer(owner, name="Ana")
    client.force_login(owner)
    data = current_form(client, customer)
    response = client.post(edit_url(customer), {**data, "birth_date": "1850-01-01"})
    assert response.status_code == 422
    assert response.context["form"].errors["birth_date"] == [YEARS]
    customer.refresh_from_db()
    assert customer.birth_date is None and customer.version == 1


def test_a_custom_date_outside_the_years_is_refused(client, owner):
    CustomFieldDefinition.objects.create(key="contract", label="Contract", field_type="date")
    client.force_login(owner)
    response = client.post(CREATE, post_data(cf_contract="3000-01-01"))
    assert response.status_code == 422
    assert response.context["form"].errors["cf_contract"] == [YEARS]
    response = client.post(CREATE, post_data(cf_contract="2030-01-01"))
    assert response.status_code == 302
    assert Customer.objects.get().custom_data == {"contract": "2030-01-01"}
