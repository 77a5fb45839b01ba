from django.urls import path

from vinculo.sales import settings_views, views

app_name = "sales"
urlpatterns = [
    path("products/", views.product_list, name="products"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/groups/", views.group_list, name="groups"),
    path("products/groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("products/groups/<int:pk>/delete/", views.group_delete, name="group_delete"),
    # The settings pages of the products' custom fields (the settings section in
    # sales/extensions.py), beside the customers' ones.
    path(
        "accounts/settings/product-fields/",
        settings_views.custom_fields,
        name="custom_fields",
    ),
    path(
        "accounts/settings/product-fields/new/",
        settings_views.custom_field_create,
        name="custom_field_create",
    ),
    path(
        "accounts/settings/product-fields/<int:pk>/",
        settings_views.custom_field_edit,
        name="custom_field_edit",
    ),
    path(
        "accounts/settings/product-fields/<int:pk>/delete/",
        settings_views.custom_field_delete,
        name="custom_field_delete",
    ),
]
