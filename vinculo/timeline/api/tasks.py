"""Tasks over the JSON API: list, create, read, edit, delete, done/reopen."""

from typing import Annotated, Any

from django.http import Http404, HttpResponse
from ninja import Query, Router

from vinculo.accounts.requests import ApiRequest
from vinculo.core.api.concurrency import IF_MATCH_DOC, expected_version, set_etag
from vinculo.core.api.idempotency import idempotent
from vinculo.core.api.schemas import (
    DEFAULT_LIMIT,
    Cursor,
    Id,
    Limit,
    choice,
    page_body,
    ref,
)
from vinculo.core.pagination import keyset_page
from vinculo.timeline import services
from vinculo.timeline.api.schemas import (
    TaskIn,
    TaskOut,
    TaskPage,
    TaskPatch,
    _task_data,
    _visible_customer_ids,
)
from vinculo.timeline.models import Task
from vinculo.timeline.queries import visible_tasks

router = Router()


def _task_dicts(user: Any, rows: list[Task]) -> list[dict[str, Any]]:
    shown = _visible_customer_ids(user, {t.customer_id for t in rows if t.customer_id})
    return [
        {
            "id": t.pk,
            "version": t.version,
            "title": t.title,
            "notes": t.notes,
            "due_date": t.due_date,
            "priority": t.priority,
            "assignee": ref(t.assignee),
            "customer": ref(t.customer) if t.customer_id in shown else None,
            "created_by": ref(t.created_by),
            "done_at": t.done_at,
            "is_done": t.is_done,
            "is_overdue": t.is_overdue,
            "created_at": t.created_at,
            "updated_at": t.updated_at,
        }
        for t in rows
    ]


def _tasks(user: Any) -> Any:
    """Tasks the user sees on the pages too: assignee in read scope, or created by them."""
    return visible_tasks(user).select_related("assignee", "customer", "created_by")


def _task_detail(user: Any, pk: int, response: HttpResponse) -> dict[str, Any]:
    task = _tasks(user).filter(pk=pk).first()
    if task is None:
        raise Http404
    set_etag(response, task)
    return _task_dicts(user, [task])[0]


def _load_task(user: Any, pk: int) -> Task:
    task = _tasks(user).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


@router.get("/tasks", response=TaskPage, tags=["tasks"], summary="List tasks")
def list_tasks(
    request: ApiRequest,
    assignee: Annotated[
        str | None, Query(pattern=r"^(me|[0-9]{1,18})$", description="me or a user id")
    ] = None,
    customer: Id | None = None,
    status: choice(["open", "done", "all"]) = "open",  # type: ignore[valid-type]
    cursor: Cursor | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Tasks you can see, newest first."""
    user = request.auth
    qs = _tasks(user)
    if assignee == "me":
        qs = qs.filter(assignee_id=user.pk)
    elif assignee:
        qs = qs.filter(assignee_id=int(assignee))
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if status == "open":
        qs = qs.filter(done_at__isnull=True)
    elif status == "done":
        qs = qs.filter(done_at__isnull=False)
    page = keyset_page(qs, order=["-id"], cursor=cursor, size=limit)
    return page_body(page, _task_dicts(user, page.items))


@router.post("/tasks", response={201: TaskOut}, tags=["tasks"], summary="Create a task")
@idempotent
def create_task(request: ApiRequest, payload: TaskIn, response: HttpResponse) -> dict[str, Any]:
    user = request.auth
    task = services.create_task(actor=user, data=_task_data(payload))
    response["Location"] = f"{request.path.rstrip('/')}/{task.pk}"
    return _task_detail(user, task.pk, response)


@router.get("/tasks/{id}", response=TaskOut, tags=["tasks"], summary="Read a task")
def get_task(request: ApiRequest, id: Id, response: HttpResponse) -> dict[str, Any]:
    return _task_detail(request.auth, id, response)


@router.patch(
    "/tasks/{id}",
    response=TaskOut,
    tags=["tasks"],
    summary="Edit a task",
    openapi_extra=IF_MATCH_DOC,
)
def patch_task(
    request: ApiRequest, id: Id, payload: TaskPatch, response: HttpResponse
) -> dict[str, Any]:
    user = request.auth
    task = _load_task(user, id)
    version = expected_version(request)
    services.update_task(actor=user, task=task, data=_task_data(payload), expected_version=version)
    return _task_detail(user, id, response)


@router.delete(
    "/tasks/{id}",
    response={204: None},
    tags=["tasks"],
    summary="Delete a task",
    openapi_extra=IF_MATCH_DOC,
)
def delete_task(request: ApiRequest, id: Id) -> None:
    user = request.auth
    task = _load_task(user, id)
    services.delete_task(actor=user, task=task, expected_version=expected_version(request))


def _set_done(request: ApiRequest, id: int, response: HttpResponse, done: bool) -> dict[str, Any]:
    user = request.auth
    task = _load_task(user, id)
    version = expected_version(request)
    services.set_task_done(actor=user, task=task, done=done, expected_version=version)
    return _task_detail(user, id, response)


@router.post(
    "/tasks/{id}/done",
    response=TaskOut,
    tags=["tasks"],
    summary="Mark a task done",
    openapi_extra=IF_MATCH_DOC,
)
@idempotent
def task_done(request: ApiRequest, id: Id, response: HttpResponse) -> dict[str, Any]:
    return _set_done(request, id, response, True)


@router.post(
    "/tasks/{id}/reopen",
    response=TaskOut,
    tags=["tasks"],
    summary="Open a done task again",
    openapi_extra=IF_MATCH_DOC,
)
@idempotent
def task_reopen(request: ApiRequest, id: Id, response: HttpResponse) -> dict[str, Any]:
    return _set_done(request, id, response, False)
