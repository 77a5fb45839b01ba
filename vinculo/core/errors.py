"""Domain errors raised by services; pages and the API turn them into messages and problem+json."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class FieldMessage(str):
    """A translated field error that carries a stable code (listed in docs/api.md), so API
    clients can act on the kind of problem without reading the translated text. It is a
    str: forms and templates show it as before."""

    code: str

    def __new__(cls, message: object, code: str = "invalid") -> FieldMessage:
        text = super().__new__(cls, str(message))
        text.code = code
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (FieldMessage, (str(self), self.code))


def field_message(message: object, code: str = "invalid") -> FieldMessage:
    """`message` with its code; a message that already has one keeps it."""
    if isinstance(message, FieldMessage):
        return message
    return FieldMessage(message, code)


def message_code(message: object) -> str:
    """The stable code of a field error ("invalid" for messages given without one)."""
    return getattr(message, "code", "invalid")


# Django's validation codes as the API's field codes (docs/api.md).
_DJANGO_CODES = {
    "blank": "required",
    "required": "required",
    "null": "required",
    "max_length": "too_long",
    "min_length": "too_short",
    "invalid_choice": "invalid_choice",
    "max_value": "out_of_range",
    "min_value": "out_of_range",
    "out_of_range": "out_of_range",  # core.dates.validate_year_range
}


def django_messages(exc: Any) -> dict[str, list[FieldMessage]]:
    """A Django ValidationError's messages per field, each with its API code."""
    found: dict[str, list[FieldMessage]] = {}
    for name, errors in exc.error_dict.items():
        for error in errors:
            code = _DJANGO_CODES.get(str(error.code or ""), "invalid")
            for message in error.messages:
                found.setdefault(name, []).append(FieldMessage(message, code))
    return found


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

    def add(self, name: str, message: object, code: str = "invalid") -> None:
        self.by_field.setdefault(name, []).append(field_message(message, code))

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationFailed(errors=self.by_field)
