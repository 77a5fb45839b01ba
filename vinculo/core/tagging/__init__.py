"""Tags and custom fields for any model (customers today; deals, orders, tickets next).

A model takes them with the abstract mixins of `tagging.models` (`Tagged`, `HasCustomFields`);
administrators define custom fields per model (`CustomFieldDefinition.model`). The rest comes
with them: value checks and tag writing (`values`), list filters shared by pages and API
(`filters`), form fields (`forms`), API types (`api`) and the definitions' writers
(`services`). See docs/development/extension-points.md.
"""
