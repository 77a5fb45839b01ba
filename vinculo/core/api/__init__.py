"""The JSON API at /api/v1: the Ninja instance, auth, problem+json errors, idempotency,
ETag/If-Match helpers and shared schemas. Domain routers live in each app's `api.py`.

Nothing is imported here on purpose: apps import the submodules they need, and the
instance in `site.py` imports the apps' routers, so importing it here would be circular.
"""
