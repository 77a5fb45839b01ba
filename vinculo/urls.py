from django.urls import include, path

urlpatterns = [
    path("accounts/", include("vinculo.accounts.urls")),
    path("", include("vinculo.customers.urls")),
    path("", include("vinculo.timeline.urls")),
]
