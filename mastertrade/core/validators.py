"""Field validators shared by the apps' models (the one home of a field's limits)."""

from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator


def above_zero(kind) -> MinValueValidator:
    """Greater than zero, for a decimal of this precision (money.AMOUNT …): at least its smallest step."""
    return MinValueValidator(Decimal(1).scaleb(-kind[1]), message="Must be greater than zero.")


# Not blank and not only spaces: a name people can read.
has_visible_text = RegexValidator(r"\S", message="Must contain a visible character.", code="blank")
