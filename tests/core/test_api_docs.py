"""The API describes itself: OpenAPI at /api/v1/openapi.json, docs served without any CDN."""

from __future__ import annotations

import re

EXPECTED_PATHS = {
    "/api/v1/me": {"get"},
    "/api/v1/customers": {"get", "post"},
    "/api/v1/customers/{id}": {"get", "patch", "delete"},
    "/api/v1/customers/{id}/history": {"get"},
    "/api/v1/interactions": {"get", "post"},
    "/api/v1/interactions/{id}": {"get", "patch", "delete"},
    "/api/v1/interactions/{id}/attachments": {"post"},
    "/api/v1/attachments/{id}": {"get"},
    "/api/v1/tasks": {"get", "post"},
    "/api/v1/tasks/{id}": {"get", "patch", "delete"},
    "/api/v1/tasks/{id}/done": {"post"},
    "/api/v1/tasks/{id}/reopen": {"post"},
}


def test_openapi_lists_every_path_and_its_headers(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path, methods in EXPECTED_PATHS.items():
        assert set(paths[path]) >= methods, path
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    patch_params = {p["name"] for p in paths["/api/v1/customers/{id}"]["patch"]["parameters"]}
    assert "If-Match" in patch_params
    post_params = {p["name"] for p in paths["/api/v1/customers"]["post"].get("parameters", [])}
    assert "Idempotency-Key" in post_params
    customer_in = spec["components"]["schemas"]["CustomerIn"]
    assert customer_in["additionalProperties"] is False
    assert customer_in["properties"]["name"]["maxLength"] == 200


def test_docs_page_uses_only_local_assets(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html and "/api/v1/openapi.json" in html
    urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html)
    assert urls, "the page loads its script and stylesheet"
    for url in urls:
        assert not re.match(r"^(https?:)?//", url), url
    assert not re.search(r"https?://[^\s\"']*(cdn|unpkg|jsdelivr)", html)


def test_every_problem_code_is_documented():
    from pathlib import Path

    from vinculo.core.api.problems import TITLES
    from vinculo.core.errors import DomainError

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    table = set(re.findall(r"^\| \d{3} \| `([a-z_]+)` \|", text, flags=re.MULTILINE))
    kernel = [DomainError] + [
        c for c in subclasses(DomainError) if c.__module__ == "vinculo.core.errors"
    ]
    codes = set(TITLES) | {c.code for c in kernel}
    assert codes <= table, codes - table
