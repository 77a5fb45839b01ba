"""Writers of users, teams, roles and API tokens: pages and the API change accounts here only."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vinculo.accounts.models import ApiToken, Role, Team, User
from vinculo.accounts.queries import language_codes, time_zone_names
from vinculo.core import audit, events, persistence
from vinculo.core.errors import FieldErrors, NotAllowed, ValidationFailed, field_message
from vinculo.core.models import AuditEntry
from vinculo.core.permissions import Scope, require_capability

NAME_MAX = 150
TEAM_NAME_MAX = 120
TOKEN_NAME_MAX = 100
TOKENS_MAX = 50
# Shown in the audit trail instead of any password value: the hash never leaves the user row.
PASSWORD_MASK = "********"
CAPABILITIES = (
    "can_log_on_readable",
    "can_manage_settings",
    "can_reassign",
    "can_use_analytics",
    "can_manage_catalogue",
)


def _ensure_loaded(obj: Any) -> None:
    """Give a record built in memory (e.g. by `create_user`) the loaded-values snapshot the
    audit diff needs; its version still guards against concurrent saves."""
    if getattr(obj, "_loaded_values", None) is None:
        obj._loaded_values = type(obj).objects.get(pk=obj.pk).audit_snapshot()


def _require_admin(actor: Any) -> None:
    require_capability(actor, "can_manage_settings")


def _clean_name(value: str, field: str, errors: FieldErrors, *, limit: int = NAME_MAX) -> str:
    name = " ".join((value or "").split())
    if len(name) > limit:
        errors.add(field, _("At most %(n)d characters.") % {"n": limit}, code="too_long")
    return name[:limit]


def _clean_email(value: str, errors: FieldErrors, *, exclude_pk: int | None) -> str:
    email = (value or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as exc:
        errors.add("email", exc.messages[0], code="invalid_email")
        return email
    local, _at, domain = email.rpartition("@")
    email = f"{local}@{domain.lower()}"
    clash = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        errors.add("email", _("Another user already has this email."), code="taken")
    return email


def _clean_language(value: str, errors: FieldErrors) -> str:
    if value and value not in language_codes():
        errors.add("language", _("Choose one of the available languages."), code="invalid_choice")
    return value or ""


def _clean_time_zone(value: str, errors: FieldErrors) -> str:
    value = (value or "").strip()
    if value and value not in time_zone_names():
        errors.add(
            "time_zone",
            _("Choose a valid time zone, such as America/Sao_Paulo."),
            code="invalid_choice",
        )
    return value


def _clean_password(
    password: str, user: User, errors: FieldErrors, field: str = "password"
) -> None:
    if not password:
        errors.add(field, _("This field is required."), code="required")
        return
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        for message in exc.messages:
            errors.add(field, message)


def _team_names(teams: list[Team]) -> list[str]:
    return sorted(t.name for t in teams)


def _active_admins() -> Q:
    return Q(is_active=True) & (Q(is_superuser=True) | Q(role__can_manage_settings=True))


def _is_active_admin(user: User, role: Role | None, is_active: bool) -> bool:
    return is_active and (user.is_superuser or bool(role and role.can_manage_settings))


def create_user(
    *,
    actor: Any,
    username: str,
    password: str,
    role: Role | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    teams: list[Team] | None = None,
    language: str = "",
    time_zone: str = "",
) -> User:
    """Add a member of staff with an initial password (administrators only)."""
    _require_admin(actor)
    errors = FieldErrors()
    username = (username or "").strip()
    if not username:
        errors.add("username", _("This field is required."), code="required")
    elif len(username) > NAME_MAX:
        errors.add("username", _("At most %(n)d characters.") % {"n": NAME_MAX}, code="too_long")
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError as exc:
            errors.add("username", exc.messages[0])
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors.add("username", _("This username is taken."), code="taken")
    if role is None:
        errors.add("role", _("This field is required."), code="required")
    user = User(
        username=username,
        first_name=_clean_name(first_name, "first_name", errors),
        last_name=_clean_name(last_name, "last_name", errors),
        email=_clean_email(email, errors, exclude_pk=None),
        role=role,
        language=_clean_language(language, errors),
        time_zone=_clean_time_zone(time_zone, errors),
        is_active=True,
    )
    _clean_password(password, user, errors)
    errors.raise_if_any()
    user.set_password(password)
    chosen = list(teams or [])

    def save_teams(saved: User) -> dict[str, list[Any]]:
        if not chosen:
            return {}
        saved.teams.set(chosen)
        return {"teams": [[], _team_names(chosen)]}

    try:
        with transaction.atomic():
            persistence.create(user, actor=actor, save_related=save_teams)
    except IntegrityError:
        # Two administrators creating the same username at once: the unique index decides.
        raise ValidationFailed(
            errors={"username": [field_message(_("This username is taken."), "taken")]}
        ) from None
    return user


def update_user(
    *,
    actor: Any,
    user: User,
    expected_version: int | None,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    role: Role | None = None,
    teams: list[Team] | None = None,
    is_active: bool | None = None,
    language: str | None = None,
    time_zone: str | None = None,
) -> User:
    """Change a user. Everyone edits their own name, email, language and time zone;
    only administrators edit others, roles, teams and the active flag. `None` = unchanged."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise NotAllowed()
    is_admin = actor.is_administrator
    if not is_admin and (
        actor.pk != user.pk or role is not None or teams is not None or is_active is not None
    ):
        raise NotAllowed()
    _ensure_loaded(user)
    errors = FieldErrors()
    was_admin = _is_active_admin(user, user.role, user.is_active)
    if first_name is not None:
        user.first_name = _clean_name(first_name, "first_name", errors)
    if last_name is not None:
        user.last_name = _clean_name(last_name, "last_name", errors)
    if email is not None:
        user.email = _clean_email(email, errors, exclude_pk=user.pk)
    if language is not None:
        user.language = _clean_language(language, errors)
    if time_zone is not None:
        user.time_zone = _clean_time_zone(time_zone, errors)
    if role is not None:
        user.role = role
    if is_active is not None:
        if not is_active and user.pk == actor.pk:
            errors.add(
                "is_active", _("You cannot deactivate your own account."), code="not_allowed"
            )
        else:
            user.is_active = is_active
    if was_admin and not _is_active_admin(user, user.role, user.is_active):
        others = User.objects.filter(_active_admins()).exclude(pk=user.pk)
        if not others.exists():
            field = "is_active" if not user.is_active else "role"
            errors.add(
                field,
                _("At least one active administrator must remain."),
                code="last_administrator",
            )
    errors.raise_if_any()
    with transaction.atomic():
        related: dict[str, list[Any]] = {}
        if teams is not None:
            before = _team_names(list(user.teams.all()))
            after = _team_names(teams)
            if before != after:
                user.teams.set(teams)
                related["teams"] = [before, after]
        persistence.update(
            user, actor=actor, expected_version=expected_version, related_changes=related
        )
    # Team membership may have changed: drop the memoised teammates of this instance.
    user.__dict__.pop("_teammate_ids", None)
    return user


def set_password(
    *, actor: Any, user: User, password: str, current_password: str | None = None
) -> User:
    """Change a password. Users give their current password; administrators reset others'.
    The audit entry says the password changed and never holds the password or its hash."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise NotAllowed()
    errors = FieldErrors()
    if actor.pk == user.pk:
        if not current_password or not user.check_password(current_password):
            errors.add(
                "current_password",
                _("Your current password is not correct."),
                code="wrong_password",
            )
    elif not actor.is_administrator:
        raise NotAllowed()
    _clean_password(password, user, errors)
    errors.raise_if_any()
    _ensure_loaded(user)
    user.set_password(password)
    with transaction.atomic():
        # "password" in the changes makes persistence write the new hash in the same
        # versioned UPDATE; the audit entry only gets the mask.
        persistence.update(
            user,
            actor=actor,
            expected_version=None,
            related_changes={"password": [PASSWORD_MASK, PASSWORD_MASK]},
        )
    user._password = None  # type: ignore[attr-defined]  # validators' password_changed done
    return user


def reset_password(*, user: User, password: str) -> User:
    """Set the password of a user who proved to own the account's email (a valid reset link
    checked by the caller). The user is the actor; the audit entry never holds the password."""
    if not user.is_active:
        raise NotAllowed()
    errors = FieldErrors()
    _clean_password(password, user, errors)
    errors.raise_if_any()
    _ensure_loaded(user)
    user.set_password(password)
    with transaction.atomic():
        persistence.update(
            user,
            actor=user,
            expected_version=None,
            related_changes={"password": [PASSWORD_MASK, PASSWORD_MASK]},
        )
    user._password = None  # type: ignore[attr-defined]  # validators' password_changed done
    return user


def _clean_team_name(name: str, errors: FieldErrors, *, exclude_pk: int | None) -> str:
    clean = _clean_name(name, "name", errors, limit=TEAM_NAME_MAX)
    if not clean:
        errors.add("name", _("This field is required."), code="required")
        return clean
    clash = Team.objects.filter(name__iexact=clean)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        errors.add("name", _("A team with this name already exists."), code="taken")
    return clean


def create_team(*, actor: Any, name: str, members: list[User] | None = None) -> Team:
    """Create a team with its members (administrators only)."""
    _require_admin(actor)
    errors = FieldErrors()
    team = Team(name=_clean_team_name(name, errors, exclude_pk=None))
    errors.raise_if_any()
    chosen = list(members or [])

    def save_members(saved: Team) -> dict[str, list[Any]]:
        if not chosen:
            return {}
        saved.members.set(chosen)
        return {"members": [[], sorted(u.username for u in chosen)]}

    try:
        with transaction.atomic():
            persistence.create(team, actor=actor, save_related=save_members)
    except IntegrityError:
        raise ValidationFailed(
            errors={"name": [_("A team with this name already exists.")]}
        ) from None
    return team


def update_team(
    *,
    actor: Any,
    team: Team,
    expected_version: int | None,
    name: str | None = None,
    members: list[User] | None = None,
) -> Team:
    """Rename a team or change its members (administrators only)."""
    _require_admin(actor)
    _ensure_loaded(team)
    errors = FieldErrors()
    if name is not None:
        team.name = _clean_team_name(name, errors, exclude_pk=team.pk)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            related: dict[str, list[Any]] = {}
            if members is not None:
                before = sorted(team.members.values_list("username", flat=True))
                after = sorted(u.username for u in members)
                if before != after:
                    team.members.set(members)
                    related["members"] = [before, after]
            persistence.update(
                team, actor=actor, expected_version=expected_version, related_changes=related
            )
    except IntegrityError:
        raise ValidationFailed(
            errors={"name": [_("A team with this name already exists.")]}
        ) from None
    return team


def delete_team(*, actor: Any, team: Team, expected_version: int | None) -> None:
    """Delete a team; its members stay, they just stop sharing team visibility."""
    _require_admin(actor)
    with transaction.atomic():
        persistence.delete(team, actor=actor, expected_version=expected_version)


def update_role(
    *,
    actor: Any,
    role: Role,
    expected_version: int | None,
    read_scope: str | None = None,
    write_scope: str | None = None,
    can_log_on_readable: bool | None = None,
    can_manage_settings: bool | None = None,
    can_reassign: bool | None = None,
    can_use_analytics: bool | None = None,
    can_manage_catalogue: bool | None = None,
) -> Role:
    """Change a role's scopes and capabilities (administrators only). The administrator
    role always keeps the settings capability, so nobody can lock everyone out."""
    _require_admin(actor)
    _ensure_loaded(role)
    errors = FieldErrors()
    for field, value in (("read_scope", read_scope), ("write_scope", write_scope)):
        if value is None:
            continue
        if value not in Scope.values:
            errors.add(field, _("Choose one of: none, own, team, all."), code="invalid_choice")
        else:
            setattr(role, field, value)
    flags = {
        "can_log_on_readable": can_log_on_readable,
        "can_manage_settings": can_manage_settings,
        "can_reassign": can_reassign,
        "can_use_analytics": can_use_analytics,
        "can_manage_catalogue": can_manage_catalogue,
    }
    for flag, enabled in flags.items():
        if enabled is not None:
            setattr(role, flag, bool(enabled))
    if role.code == Role.ADMINISTRATOR and not role.can_manage_settings:
        errors.add(
            "can_manage_settings",
            _("The administrator role must keep the right to manage settings."),
            code="not_allowed",
        )
    errors.raise_if_any()
    with transaction.atomic():
        persistence.update(role, actor=actor, expected_version=expected_version)
    return role


def issue_token(*, user: Any, name: str, scope: str) -> tuple[ApiToken, str]:
    """Issue an API token for `user` (who must be the one asking). Returns the token and its
    secret; only a digest is stored, so the secret can be shown this once only."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotAllowed()
    errors = FieldErrors()
    clean_name = " ".join((name or "").split())
    if not clean_name:
        errors.add("name", _("This field is required."), code="required")
    elif len(clean_name) > TOKEN_NAME_MAX:
        errors.add("name", _("At most %(n)d characters.") % {"n": TOKEN_NAME_MAX}, code="too_long")
    if scope not in ApiToken.TokenScope.values:
        errors.add("scope", _("Choose read or read and write."), code="invalid_choice")
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= TOKENS_MAX:
        errors.add(
            "name",
            _("You have %(n)d active tokens; revoke one first.") % {"n": TOKENS_MAX},
            code="limit_reached",
        )
    errors.raise_if_any()
    with transaction.atomic():
        token, secret = ApiToken.issue(user=user, name=clean_name, scope=scope)
        audit.record(
            token,
            action=AuditEntry.Action.CREATE,
            actor=user,
            changes={
                "user": [None, user.pk],
                "name": [None, token.name],
                "scope": [None, token.scope],
                "hint": [None, token.hint],
            },
        )
        events.emit("apitoken.created", token, actor=user, payload={"user": user.pk})
    return token, secret


def revoke_token(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke a token at once. Owners revoke their own; administrators anyone's.
    Revoking twice changes nothing."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise NotAllowed()
    if token.user_id != actor.pk and not actor.is_administrator:
        raise NotAllowed()
    now = timezone.now()
    with transaction.atomic():
        # Conditional update: of two concurrent revokes only one writes the audit entry.
        done = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        if done:
            token.revoked_at = now
            audit.record(
                token,
                action=AuditEntry.Action.UPDATE,
                actor=actor,
                changes={"revoked_at": [None, now.isoformat()]},
            )
            events.emit("apitoken.revoked", token, actor=actor, payload={"user": token.user_id})
        else:
            token.refresh_from_db(fields=["revoked_at"])
    return token
