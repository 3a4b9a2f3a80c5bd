"""Short, typeable, globally unique identifiers.

Windows and nodes will be shared between several actionbot instances through federation,
so ids cannot be autoincrement integers from one database. Five characters of Crockford
base32 give 32**5 ≈ 33 million values: easy to type in a chat command, and collisions
are checked by the store (the caller retries with a fresh id).
"""

from __future__ import annotations

import secrets

# Crockford's alphabet: no I, L, O, U, so ids survive being read aloud or retyped.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ID_LENGTH = 5


def new_id(length: int = ID_LENGTH) -> str:
    """Return a random id of ``length`` characters from :data:`ALPHABET`."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_id(text: str) -> str:
    """Map what a person typed to the canonical id (case-folded, look-alikes fixed)."""
    table = str.maketrans({"i": "1", "l": "1", "o": "0"})
    return text.strip().lower().translate(table)


def is_valid_id(text: str, length: int = ID_LENGTH) -> bool:
    """True if ``text`` (already normalised) is a well-formed id."""
    return len(text) == length and all(ch in ALPHABET for ch in text)
