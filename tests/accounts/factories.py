"""Users, teams and tokens for tests."""

from __future__ import annotations

import itertools

from vinculo.accounts.models import ApiToken, Role, Team, User

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple 42"


def ensure_role(code: str) -> Role:
    """The default role; recreated after transactional tests flushed the migration's rows."""
    from vinculo.accounts.models import role_defaults

    role = Role.objects.filter(code=code).first()
    if role is None:
        for values in role_defaults():
            Role.objects.get_or_create(code=values["code"], defaults=values)
        role = Role.objects.get(code=code)
    return role


def make_user(role: str = Role.SALES, *, team: Team | None = None, **extra: object) -> User:
    n = next(_seq)
    user = User.objects.create_user(
        username=extra.pop("username", f"user{n}"),
        password=PASSWORD,
        first_name=extra.pop("first_name", f"User{n}"),
        role=ensure_role(role),
        **extra,
    )
    if team is not None:
        team.members.add(user)
    return user


def make_team(name: str | None = None) -> Team:
    return Team.objects.create(name=name or f"Team {next(_seq)}")


def make_token(user: User, scope: str = "write") -> str:
    return ApiToken.issue(user=user, name="test", scope=scope)[1]
