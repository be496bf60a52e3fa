"""The alerts services' refusals: a field's error in the API's error shape, with its code."""

from django.core.exceptions import ValidationError

from mastertrade.core.errors import INVALID_COMBINATION, UNKNOWN_REFERENCE, ApplicationError, validation_errors


def invalid(field: str, message: str, *, code: str = "validation_error") -> ApplicationError:
    return ApplicationError("Invalid input.", code=code, errors={field: [message]})


def mismatch(field: str, message: str) -> ApplicationError:
    """A value that is fine alone but not for this channel type or this deployment (a
    Slack URL on another host, an e-mail address for a Telegram channel, http in
    production): a rule no schema can state, so its own code."""
    return invalid(field, message, code=INVALID_COMBINATION)


def unknown(field: str, message: str) -> ApplicationError:
    """An id in the body that names nothing of the caller's."""
    return invalid(field, message, code=UNKNOWN_REFERENCE)


def name_taken(what: str) -> ApplicationError:
    message = f"You already have {what} with this name."
    return ApplicationError(message, code="name_taken", status_code=409, errors={"name": [message]})


def full_clean(obj, **kwargs) -> None:
    """The model's own validation, its errors per field in the same shape."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise ApplicationError("Invalid input.", code="validation_error", errors=validation_errors(exc)) from None
