from django.urls import path

from vinculo.sales import views

app_name = "sales"
urlpatterns = [
    path("products/", views.product_list, name="products"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/groups/", views.group_list, name="groups"),
    path("products/groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("products/groups/<int:pk>/delete/", views.group_delete, name="group_delete"),
]
