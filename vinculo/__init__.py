"""Vínculo: an open-source CRM with customer analytics built in."""

__version__ = "0.1.0"
