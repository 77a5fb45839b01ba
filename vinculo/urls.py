from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("vinculo.accounts.urls")),
    path("", include("vinculo.customers.urls")),
    path("", include("vinculo.timeline.urls")),
]
