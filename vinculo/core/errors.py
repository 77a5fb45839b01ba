"""Domain errors raised by services; pages and the API turn them into messages and problem+json."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base for errors a user can act on. `code` is a stable string listed in the API docs."""

    code = "domain_error"
    status = 400
    title = _("The request could not be completed.")

    def __init__(self, message: str | None = None, *, errors: dict[str, list[str]] | None = None):
        self.message = str(message or self.title)
        self.errors = errors or {}
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """One or more fields are invalid; `errors` maps each field to its translated messages."""

    code = "validation_error"
    status = 422
    title = _("Some fields are invalid.")


class StaleVersion(DomainError):
    """Someone saved the record after it was loaded; saving now would overwrite their change."""

    code = "stale_version"
    status = 412
    title = _(
        "This record was changed by someone else since you opened it. "
        "Review the current values and save again."
    )


class NotAllowed(DomainError):
    """The user's role or record visibility does not allow this action."""

    code = "permission_denied"
    status = 403
    title = _("You do not have permission to do this.")


class Conflict(DomainError):
    """The request clashes with a record that already exists (apps subclass it with their
    own stable code)."""

    code = "conflict"
    status = 409
    title = _("The request conflicts with the current state.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = _("Not found.")


class FieldErrors:
    """Collects translated messages per field while a service validates its input, so every
    problem is reported at once; `raise_if_any` turns them into one ValidationFailed."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: object) -> None:
        self.by_field.setdefault(name, []).append(str(message))

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationFailed(errors=self.by_field)
