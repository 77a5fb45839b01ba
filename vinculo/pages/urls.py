from __future__ import annotations

from django.urls import path

from vinculo.pages import views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("home/widgets/<slug:key>/", views.widget, name="widget"),
    path("home/widgets/<slug:key>/dismiss/", views.dismiss, name="dismiss"),
    path("search/", views.search, name="search"),
]
