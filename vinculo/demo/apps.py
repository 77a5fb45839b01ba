from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for a new installation (`vinculo demo`); no models, nothing imports it."""

    name = "vinculo.demo"
    label = "demo"
    verbose_name = _("Demo data")
