"""Imported by the Huey consumer (djhuey autodiscovers every app's `tasks` module): loads
every app's `jobs` module, where Vínculo's tasks live, so all of them are registered."""

from __future__ import annotations

from django.utils.module_loading import autodiscover_modules

autodiscover_modules("jobs")
