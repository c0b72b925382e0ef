"""Length caps on free text, defined once: models, forms, serializers and the import all use these.

Names, labels and titles are CharFields whose max_length the database enforces; these cap the
TextFields, with one message everywhere: "Description is too long: 12,345 characters, the limit is
10,000."
"""

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

DESCRIPTION = 10_000  # descriptions, purposes, comments, reasons, peer-assist items, lessons, reports
NOTES = 50_000  # a session's agenda and notes


def too_long_message(label: str, length: int, limit: int) -> str:
    return f"{label} is too long: {length:,} characters, the limit is {limit:,}."


@deconstructible
class MaxChars:
    """Refuse text longer than `limit` characters, naming the field by `label`."""

    def __init__(self, limit: int, label: str) -> None:
        self.limit = limit
        self.label = label

    def __call__(self, value) -> None:
        if value is not None and len(value) > self.limit:
            raise ValidationError(
                too_long_message(self.label, len(value), self.limit),
                code="max_length",
                params={"limit": self.limit, "length": len(value)},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, MaxChars) and (self.limit, self.label) == (other.limit, other.label)

    def __hash__(self) -> int:
        return hash((self.limit, self.label))


def capped(label: str, limit: int = DESCRIPTION) -> list[MaxChars]:
    """Validators for a text field: `description = models.TextField(validators=capped("Description"))`."""
    return [MaxChars(limit, label)]
