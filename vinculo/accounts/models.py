"""Users, teams, roles with read/write scopes, API tokens and failed sign-ins."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from vinculo.core.models import VersionedModel, one_or_none
from vinculo.core.permissions import Scope


class Role(VersionedModel):
    """A set of permissions: read and write scopes over owned records plus capabilities."""

    ADMINISTRATOR = "administrator"
    MANAGER = "manager"
    SALES = "sales"
    MARKETING = "marketing"
    SERVICE = "service"
    ANALYST = "analyst"
    READ_ONLY = "read_only"

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    read_scope = models.CharField(_("reads"), max_length=10, choices=Scope.choices)
    write_scope = models.CharField(_("writes"), max_length=10, choices=Scope.choices)
    # Service agents log calls and notes on any customer they can read.
    can_log_on_readable = models.BooleanField(_("can log on any readable customer"), default=False)
    can_manage_settings = models.BooleanField(_("manages settings and users"), default=False)
    can_reassign = models.BooleanField(_("reassigns owners"), default=False)
    can_use_analytics = models.BooleanField(_("uses analytics"), default=False)
    can_manage_catalogue = models.BooleanField(_("manages the product catalogue"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return str(self.name)


class Team(VersionedModel):
    """A group of users; "team" scope means records owned by anyone sharing a team."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    members = models.ManyToManyField("accounts.User", related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(VersionedModel, AbstractUser):
    """A member of staff. Language and time zone follow the user everywhere."""

    role = models.ForeignKey(
        Role, verbose_name=_("role"), null=True, on_delete=models.PROTECT, related_name="users"
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    # Never copy the password hash or sign-in bookkeeping into the audit trail.
    audit_exclude = ("created_at", "updated_at", "version", "password", "last_login")

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role_code(self) -> str:
        return self.role.code if self.role is not None else ""

    def read_scope(self) -> str:
        if self.is_superuser:
            return Scope.ALL
        return self.role.read_scope if self.role is not None else Scope.NONE

    def write_scope(self) -> str:
        if self.is_superuser:
            return Scope.ALL
        return self.role.write_scope if self.role is not None else Scope.NONE

    def has_capability(self, name: str) -> bool:
        if self.is_superuser:
            return True
        return bool(self.role is not None and getattr(self.role, name, False))

    @property
    def is_administrator(self) -> bool:
        return self.has_capability("can_manage_settings")

    @cached_property
    def _teammate_ids(self) -> list[int]:
        team_ids = Team.members.through.objects.filter(user_id=self.pk).values("team_id")
        ids = set(
            Team.members.through.objects.filter(team_id__in=team_ids).values_list(
                "user_id", flat=True
            )
        )
        ids.add(self.pk)
        return sorted(ids)

    def teammate_ids(self) -> list[int]:
        """Ids of users sharing a team with this user, this user included."""
        return self._teammate_ids


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 digest is stored; the secret is shown once."""

    class TokenScope(models.TextChoices):
        READ = "read", _("read")
        WRITE = "write", _("read and write")

    PREFIX = "vin_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=TokenScope.choices)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)  # first characters, to tell tokens apart
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(cls, *, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
        """Create a token and return it with its secret, which is never stored."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, scope=scope, digest=_token_digest(raw), hint=raw[:10]
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> ApiToken | None:
        token = one_or_none(
            cls.objects.active()
            .select_related("user", "user__role")
            .filter(digest=_token_digest(raw))
        )
        if token is not None:
            now = timezone.now()
            if not token.last_used_at or (now - token.last_used_at).total_seconds() > 60:
                cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginFailure(models.Model):
    """A failed sign-in, counted per (username, address) and per address to throttle guessing."""

    username = models.CharField(max_length=150)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            # The throttle reads the newest failures of one pair and of one address.
            models.Index(fields=["username", "ip_address", "-at"], name="loginfailure_pair_at"),
            models.Index(fields=["ip_address", "-at"], name="loginfailure_address_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip_address}"


class PasswordResetRequest(models.Model):
    """A request for a password-reset email, counted per address and per email to throttle
    it (whether or not an account has that email: counting both alike reveals nothing)."""

    email = models.CharField(max_length=254)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["email", "-at"], name="resetrequest_email_at"),
            models.Index(fields=["ip_address", "-at"], name="resetrequest_address_at"),
        ]

    def __str__(self) -> str:
        return f"{self.email}@{self.ip_address}"


def role_defaults() -> list[dict[str, Any]]:
    """The seven default roles (ARCHITECTURE.md, Decisions), editable later by an administrator."""
    return [
        dict(
            code=Role.ADMINISTRATOR,
            name="Administrator",
            read_scope="all",
            write_scope="all",
            can_log_on_readable=True,
            can_manage_settings=True,
            can_reassign=True,
            can_use_analytics=True,
            can_manage_catalogue=True,
        ),
        dict(
            code=Role.MANAGER,
            name="Manager",
            read_scope="team",
            write_scope="team",
            can_reassign=True,
            can_use_analytics=True,
            can_manage_catalogue=True,
        ),
        dict(code=Role.SALES, name="Sales", read_scope="team", write_scope="own"),
        dict(
            code=Role.SERVICE,
            name="Service",
            read_scope="all",
            write_scope="own",
            can_log_on_readable=True,
        ),
        dict(code=Role.MARKETING, name="Marketing", read_scope="all", write_scope="none"),
        dict(
            code=Role.ANALYST,
            name="Analyst",
            read_scope="all",
            write_scope="none",
            can_use_analytics=True,
        ),
        dict(code=Role.READ_ONLY, name="Read-only", read_scope="team", write_scope="none"),
    ]
