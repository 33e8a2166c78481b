"""The one way a service's ValidationError reaches a page: as sentences, never as a Python list or dict."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def error_text(exc: ValidationError) -> str:
    """Every message of the error, field messages included, as one line of sentences."""
    return " ".join(str(message) for message in exc.messages)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The error as {field: sentences} for a page that places messages itself ("__all__" for the rest)."""
    if hasattr(exc, "error_dict"):
        return {field: " ".join(str(m) for m in messages) for field, messages in exc.message_dict.items()}
    return {NON_FIELD_ERRORS: error_text(exc)}


def form_errors(form, exc: ValidationError) -> None:
    """Put the error on the form: on the field it names where the form has that field, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields and field != NON_FIELD_ERRORS else None
            for error in errors:
                for message in error.messages:
                    form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)
