from django.urls import include, path

urlpatterns = [
    path("accounts/", include("vinculo.accounts.urls")),
    path("api/v1/", include("vinculo.core.api.urls")),
    path("", include("vinculo.pages.urls")),
    path("", include("vinculo.customers.urls")),
    path("", include("vinculo.timeline.urls")),
    path("", include("vinculo.sales.urls")),
]
