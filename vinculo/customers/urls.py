from django.urls import path
from django.views.generic import RedirectView

from vinculo.customers import settings_views, tag_views, views

app_name = "customers"
urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    # Global search moved to /search/ (all record types); old links and bookmarks still work.
    path(
        "customers/search/",
        RedirectView.as_view(pattern_name="pages:search", query_string=True),
        name="search",
    ),
    path("customers/suggest/", views.customer_suggest, name="suggest"),
    path("customers/tags/", tag_views.tag_suggestions, name="tag_suggestions"),
    path("customers/new/", views.customer_create, name="create"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    path("customers/<int:pk>/delete/", views.customer_delete, name="delete"),
    path("customers/<int:pk>/panels/<slug:key>/", views.customer_panel, name="panel"),
    # The settings pages of customers' custom fields (linked from the settings hub through
    # core.extensions.register_settings_section), at the address they always had.
    path("accounts/settings/fields/", settings_views.custom_fields, name="custom_fields"),
    path(
        "accounts/settings/fields/new/",
        settings_views.custom_field_create,
        name="custom_field_create",
    ),
    path(
        "accounts/settings/fields/<int:pk>/",
        settings_views.custom_field_edit,
        name="custom_field_edit",
    ),
    path(
        "accounts/settings/fields/<int:pk>/delete/",
        settings_views.custom_field_delete,
        name="custom_field_delete",
    ),
]
