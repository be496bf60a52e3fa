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


# One line of text people can read: a visible character, and no control character (C0,
# DEL, C1: ESC, BEL, CR, LF… would reach chat and e-mail text, or break a header). One
# pattern, stated as is in the schema; classes written out so JSON Schema and Python read
# it alike (no \s).
_CONTROL = r"\x00-\x1F\x7F-\x9F"
_BLANK = r"\x20\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
TEXT_LINE_PATTERN = rf"^[^{_CONTROL}]*[^{_CONTROL}{_BLANK}][^{_CONTROL}]*$"
text_line = FullMatchValidator(
    TEXT_LINE_PATTERN,
    message="Must contain a visible character and no control characters (line breaks, ESC, BEL…).",
    code="control_character",
)
