"""The logbook over the JSON API: interactions (with links and attachments) and tasks.
Reads go through `restrict`, writes through timeline.services.

core.api.site imports this package and mounts `router`; the endpoints live in the
submodules, mounted here in the order they appear in the OpenAPI document.
"""

from __future__ import annotations

from ninja import Router

from vinculo.timeline.api import attachments, interactions, tasks

router = Router()
for _part in (interactions, attachments, tasks):
    # Ninja derives operationId from the view's module; keep the ids clients generated from
    # when all of this was one `vinculo.timeline.api` module.
    for _path_view in _part.router.path_operations.values():
        for _operation in _path_view.operations:
            if not _operation.operation_id:
                _operation.operation_id = f"vinculo_timeline_api_{_operation.view_func.__name__}"
    router.add_router("", _part.router)
