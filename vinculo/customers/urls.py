from django.urls import path
from django.views.generic import RedirectView

from vinculo.customers import tag_views, views

app_name = "customers"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="customers:list"), name="home"),
    path("customers/", views.customer_list, name="list"),
    path("customers/search/", views.customer_search, name="search"),
    path("customers/suggest/", views.customer_suggest, name="suggest"),
    path("customers/tags/", tag_views.tag_suggestions, name="tag_suggestions"),
    path("customers/new/", views.customer_create, name="create"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    path("customers/<int:pk>/delete/", views.customer_delete, name="delete"),
]
