"""Property-based fuzzing of /api/v1 from its own OpenAPI description (schemathesis).

Every operation gets generated requests, valid and invalid, sent in-process over WSGI
(`schemathesis.openapi.from_wsgi`) with a real write token: as an administrator (sees
everything; boundary-walking "coverage" cases plus random ones) and as a sales rep (own and
team records; random cases). Every schemathesis check runs: no answer may be a 500, and
every answer must match what the description promises (status, content type, headers,
body schema); invalid input must be refused, valid input must not be refused by the schema
(`passes_the_schema_it_was_built_from`).

Every other generated id is swapped for the id of a real row (with `If-Match: *`), so
reads, edits, deletes and actions reach the services with fuzzed bodies instead of
stopping at 404. The run is deterministic (derandomized, no example database) and bounded
for CI by `max_examples`; all of it runs inside each operation's test transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.accounts.factories import make_team, make_token, make_user
from tests.customers.factories import make_customer
from tests.sales.factories import make_group, make_product
from tests.timeline.factories import make_interaction, make_task
from vinculo.core.api.schemas import MAX_ID
from vinculo.core.api.site import VinculoAPI
from vinculo.timeline.services import FileIn

# Bounded for CI; `VINCULO_FUZZ_EXAMPLES=500 pytest tests/core/test_api_fuzz.py` hunts deeper
# with fresh random inputs on every run.
DEEP = os.environ.get("VINCULO_FUZZ_EXAMPLES")
MAX_EXAMPLES = int(DEEP or 30)
_ALL_4XX_REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428"]


def _config(*, coverage: bool) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": not DEEP,
                "database": "none",
                # The test sends the real token; generated Authorization headers and session
                # cookies would only ever reach the 401 path.
                "with-security-parameters": False,
            },
            # The coverage phase walks every boundary and type of every field (most of the
            # cases); it runs for one caller only, the random phase for both.
            "phases": {"coverage": {"enabled": coverage}},
            "checks": {
                # Business rules no schema can express refuse some schema-valid requests: a
                # stale or unknown If-Match (412), an invalid email, CPF or cursor (422).
                # passes_the_schema_it_was_built_from below keeps those 422s honest.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "401", "403", "404", "409", "412", "422", "429"]
                },
                # A stale If-Match is answered 412 before the body is read (RFC 9110 13.2.1):
                # nothing was accepted.
                "negative_data_rejection": {"expected-statuses": [*_ALL_4XX_REFUSALS, "429"]},
                # Without If-Match the answer is 428 Precondition Required (RFC 6585).
                "missing_required_header": {
                    "expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]
                },
            },
        }
    )


# The rows of one operation's run are shared by its examples on purpose (a delete may remove
# one; the others still answer), and rolled back after the operation.
SHARED_ROWS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@contextmanager
def _keep_test_connection() -> Iterator[None]:
    """Call the WSGI app the way Django's test client does: without `close_old_connections`
    on request start and finish, which would close the connection holding the test's
    transaction (every example would then lose the rows it needs, or hit another DB)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _load(*, coverage: bool) -> Any:
    """The description as a client reads it, at import: serving it touches no database."""
    with _keep_test_connection():
        return schemathesis.openapi.from_wsgi(
            "/api/v1/openapi.json", get_wsgi_application(), config=_config(coverage=coverage)
        )


schema = _load(coverage=True)
random_only = _load(coverage=False)


@pytest.fixture(autouse=True)
def in_process() -> Iterator[None]:
    with _keep_test_connection():
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


class World:
    """Real rows the generated ids are swapped for, per kind of record."""

    def __init__(self, caller: Any, ids: dict[str, list[int]]) -> None:
        self.token = make_token(caller)
        self.ids = ids


def _world(caller_role: str) -> World:
    team = make_team()
    owner = make_user("sales", team=team)
    teammate = make_user("sales", team=team)
    outsider = make_user("sales", team=make_team())
    caller = make_user("administrator") if caller_role == "administrator" else owner
    org = make_customer(owner, name="Acme Ltda", kind="organization")
    people = [
        make_customer(owner, name="Ana Souza", emails=["ana@example.com"], organization_id=org.pk),
        make_customer(teammate, name="Bruno Lima", phones=["(11) 98765-4321"]),
        make_customer(outsider, name="Zé Ninguém"),
    ]
    customers = [org, *people]
    interactions = [
        make_interaction(owner, people[0], files=[FileIn("a.txt", b"hello", "text/plain")]),
        make_interaction(teammate, people[1], channel="note", body="Internal"),
        make_interaction(outsider, people[2], channel="email"),
    ]
    tasks = [
        make_task(owner, customer=people[0]),
        make_task(teammate, customer=people[1]),
        make_task(outsider),
    ]
    attachments = [a.pk for i in interactions for a in i.attachments.all()]
    manager = make_user("manager", team=team)
    top = make_group(manager, "Tools")
    groups = [top, make_group(manager, "Power", parent=top), make_group(manager, "Empty")]
    products = [
        make_product(manager, sku="DR-1", group=groups[1], tags=["power"]),
        make_product(manager, sku="SV-1", kind="service", unit_cost="5"),
    ]
    users = [owner.pk, teammate.pk, outsider.pk, caller.pk]
    return World(
        caller,
        {
            "customers": [c.pk for c in customers],
            "interactions": [i.pk for i in interactions],
            "tasks": [t.pk for t in tasks],
            "attachments": attachments,
            "users": users,
            "products": [p.pk for p in products],
            "product_groups": [g.pk for g in groups],
        },
    )


# Which real rows a generated id is swapped for, by path prefix and by field name.
_PATH_KIND = {
    "/api/v1/customers": "customers",
    "/api/v1/interactions": "interactions",
    "/api/v1/tasks": "tasks",
    "/api/v1/attachments": "attachments",
    "/api/v1/products": "products",
    "/api/v1/product-groups": "product_groups",
}
_FIELD_KIND = {
    "customer": "customers",
    "organization": "customers",
    "owner": "users",
    "assignee": "users",
    "group": "product_groups",
    "parent": "product_groups",
}


def _swap(value: Any, choices: list[int]) -> Any:
    """Every other generated valid id becomes a real one (picked by the number itself);
    invalid ones (negative tests) are kept as they are."""
    if isinstance(value, bool) or not isinstance(value, int) or not choices:
        return value
    if not 1 <= value <= MAX_ID:
        return value
    if value % 2:
        return value
    return choices[value // 2 % len(choices)]


def _aim_at_real_rows(case: Any, world: World) -> None:
    """Deterministic in the generated case, so Hypothesis can shrink what it finds."""
    kind = next((k for p, k in _PATH_KIND.items() if case.path.startswith(p)), None)
    params = case.path_parameters or {}
    if kind and "id" in params:
        swapped = _swap(params["id"], world.ids[kind])
        if swapped != params["id"]:
            params["id"] = swapped
            # In a negative case If-Match may be the invalid part: leave it as generated.
            positive = case.meta is None or case.meta.generation.mode.is_positive
            if positive and case.headers and "If-Match" in case.headers:
                case.headers["If-Match"] = "*"
    for container in (case.query, case.body):
        if isinstance(container, dict):
            for name, kind in _FIELD_KIND.items():
                if name in container:
                    container[name] = _swap(container[name], world.ids[kind])


def _werkzeug_can_send(case: Any) -> None:
    """Werkzeug encodes an empty file with no line break before the closing boundary, and
    Django then sees no file at all ("file: required"). Real clients (curl, requests) send
    empty files that Django reads; give the generated file one byte instead."""
    if isinstance(case.body, dict) and case.body.get("file") in (b"", ""):
        case.body["file"] = b"\0"


# What the API's own input schema refused during the current case (VinculoAPI records it);
# a service's field errors (an invalid CPF, a stale cursor) are not recorded here.
_schema_refusals: list[Any] = []
_schema_errors = VinculoAPI.validation_error_from_error_contexts


def _recording_schema_errors(self: VinculoAPI, error_contexts: Any) -> Any:
    error = _schema_errors(self, error_contexts)
    _schema_refusals.append(error.errors)
    return error


@pytest.fixture(autouse=True)
def record_schema_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        VinculoAPI, "validation_error_from_error_contexts", _recording_schema_errors
    )


def passes_the_schema_it_was_built_from(ctx: Any, response: Any, case: Any) -> None:
    """A request the description calls valid may break a business rule (a 422 from a
    service: an invalid CPF, a stale cursor) but never the API's own input schema: that
    would mean the description promises more than the API accepts."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if response.status_code != 422:
        return
    assert not _schema_refusals, f"Schema-valid input refused by the schema: {_schema_refusals}"


def _run(case: Any, world: World) -> None:
    _aim_at_real_rows(case, world)
    _werkzeug_can_send(case)
    _schema_refusals.clear()
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world.token}"},
        additional_checks=[passes_the_schema_it_was_built_from],
    )


@pytest.fixture
def as_admin(db) -> World:
    return _world("administrator")


@pytest.fixture
def as_sales(db) -> World:
    return _world("sales")


@schema.parametrize()
@SHARED_ROWS
def test_api_as_administrator(case: Any, as_admin: World) -> None:
    _run(case, as_admin)


@random_only.parametrize()
@SHARED_ROWS
def test_api_as_sales_rep(case: Any, as_sales: World) -> None:
    _run(case, as_sales)
