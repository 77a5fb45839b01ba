from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    """Pages that compose the apps through the core registries and know none of them by
    name: the home page ("Today") and global search."""

    name = "vinculo.pages"
    label = "pages"
    verbose_name = _("Pages")
