"""GET /me: who the API token (or session) belongs to, with role and preferences."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from ninja import Router, Schema

from vinculo.accounts.requests import ApiRequest

router = Router(tags=["me"])


class RoleOut(Schema):
    code: str
    name: str
    read_scope: str
    write_scope: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: RoleOut | None
    language: str
    time_zone: str
    token_scope: str | None


@router.get("/me", response=MeOut, summary="The calling user")
def me(request: ApiRequest) -> dict[str, Any]:
    """The user, role and language the API answers for (the language of error messages)."""
    user = request.auth
    token = getattr(request, "api_token", None)
    role = user.role
    return {
        "id": user.pk,
        "username": user.username,
        "name": str(user),
        "email": user.email,
        "role": (
            {
                "code": role.code,
                "name": str(role),
                "read_scope": user.read_scope(),
                "write_scope": user.write_scope(),
            }
            if role is not None
            else None
        ),
        "language": user.language or translation.get_language(),
        "time_zone": user.time_zone,
        "token_scope": token.scope if token is not None else None,
    }
