from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    name = "vinculo.timeline"
    label = "timeline"
    verbose_name = _("Logbook")

    def ready(self) -> None:
        from vinculo.core.links import register_linkable

        register_linkable(self.get_model("Task"))
        register_linkable(self.get_model("Interaction"))
