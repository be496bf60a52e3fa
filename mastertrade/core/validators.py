"""Field validators shared by the apps' models (the one home of a field's limits)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator


def above_zero(kind) -> MinValueValidator:
    """Greater than zero, for a decimal of this precision (money.AMOUNT …): at least its smallest step."""
    return MinValueValidator(Decimal(1).scaleb(-kind[1]), message="Must be greater than zero.")


# Not blank and not only spaces: a name people can read.
has_visible_text = RegexValidator(r"\S", message="Must contain a visible character.", code="blank")


class FullMatchValidator(RegexValidator):
    """A RegexValidator that matches the whole value, as a JSON Schema `pattern` written
    `^…$` does (Python's `$` would also accept a trailing newline). The pattern is
    stated in the schema as is."""

    def __call__(self, value):
        if self.regex.fullmatch(str(value)) is None:
            raise ValidationError(self.message, code=self.code, params={"value": value})
