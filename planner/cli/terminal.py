"""What the command line prints. User text (scenario, site and accelerator names, values quoted
in errors) may hold escape sequences that set the terminal's title, clear its screen or hide
text; every line goes out through `say`, which shows control characters as escapes instead."""

from __future__ import annotations

import sys
import unicodedata

# Control characters, format characters (bidi overrides, zero-width and tag characters), lone
# surrogates (they cannot be encoded for output) and line and paragraph separators.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def visible(text: str, keep: str = "\n") -> str:
    """`text` with every control character but those in `keep` written as its escape:
    ESC -> \\x1b, BEL -> \\x07, U+202E -> \\u202e."""
    return "".join(
        char if char in keep or unicodedata.category(char) not in _HIDDEN else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def say(text: str, file=None, one_line: bool = False) -> None:
    """Print `text` with its control characters visible; `one_line` escapes line breaks too
    (an error is one line, whatever the value it quotes holds)."""
    print(visible(text, "" if one_line else "\n"), file=file or sys.stdout)
