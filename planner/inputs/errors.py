"""The one error the planner raises for bad input, with everything a user needs to fix it."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: names the file, the field, what was expected and what was found."""

    FOUND_CHARS = 200  # what was found is quoted, but a pasted megabyte stays out of the message

    def __init__(self, field: str, expected: str, found: str, file: str | None = None):
        if len(found) > self.FOUND_CHARS:
            found = f"{found[: self.FOUND_CHARS - 3]}... ({len(found)} characters)"
        self.field, self.expected, self.found, self.file = field, expected, found, file
        super().__init__(str(self))

    def in_file(self, file) -> "InputError":
        return InputError(self.field, self.expected, self.found, str(file))

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        field = f"field '{self.field}': " if self.field else ""
        return f"{where}{field}expected {self.expected}, found {self.found}"
