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


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = _("Not found.")
