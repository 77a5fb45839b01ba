"""Text folding shared by search, sorting and tags."""

from __future__ import annotations

import re
import unicodedata

_COMBINING = re.compile(r"[\u0300-\u036f]")


def fold(text: str) -> str:
    """Lowercase without accents: "João" → "joao". The same for stored text and queries."""
    decomposed = unicodedata.normalize("NFKD", text)
    return _COMBINING.sub("", decomposed).casefold()  # casefold() also turns "ß" into "ss"
