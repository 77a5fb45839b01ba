from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "vinculo.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from vinculo.core.links import register_linkable

        register_linkable(self.get_model("Customer"))
