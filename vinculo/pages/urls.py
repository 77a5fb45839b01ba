from __future__ import annotations

from django.urls import path

from vinculo.pages import outbox_views, views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("home/widgets/<slug:key>/", views.widget, name="widget"),
    path("home/widgets/<slug:key>/dismiss/", views.dismiss, name="dismiss"),
    path("search/", views.search, name="search"),
    # The event deliveries settings section (pages/extensions.py), beside the other settings.
    path("accounts/settings/outbox/", outbox_views.deliveries, name="outbox"),
    path("accounts/settings/outbox/retry/", outbox_views.retry, name="outbox_retry"),
    path("accounts/settings/outbox/discard/", outbox_views.discard, name="outbox_discard"),
]
