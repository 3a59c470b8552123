"""Normalised search keys: the same function builds them when loading and when searching.

LadybugDB's extensions (full-text search, …) cannot be downloaded on a closed network, and Neo4j
has no built-in fuzzy string function without APOC, so search works on keys stored with each
person: accent-free, case-folded name tokens, a Spanish-aware phonetic key of each token, and
normalised identifiers. Both engines then match keys by equality or prefix and agree exactly.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_A_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# Particles of Spanish/Portuguese surnames: kept inside the surname, not used as search keys.
PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "da", "do", "dos", "das", "van", "von"})


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Case-fold and strip accents: 'Ximena Núñez' → 'ximena nunez'."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_tokens(text: str) -> list[str]:
    """Folded name tokens without particles; hyphenated surnames split into their parts."""
    return [t for t in _TOKEN.findall(fold(text)) if t not in PARTICLES]


_PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    (r"ll", "y"),
    (r"ch", "x"),  # keep ch distinct before the x/j/g folding below
    (r"^x", "j"),  # Ximena ~ Jimena
    (r"g(?=[ei])", "j"),  # Gerardo ~ Jerardo
    (r"j", "h"),  # then j and silent h meet
    (r"qu", "k"),
    (r"c(?=[ei])", "s"),
    (r"c", "k"),
    (r"z", "s"),
    (r"v", "b"),
    (r"w", "gu"),
    (r"ñ", "n"),
    (r"^y", "i"),  # Yovani ~ Iovani ~ Giovanni (with 'gi' below)
    (r"y(?=[^aeiou]|$)", "i"),
    (r"^gi(?=[aeiou])", "i"),
    (r"^h", ""),  # silent initial h: Hernandez ~ Ernandez
    (r"h", ""),
    (r"(.)\1+", r"\1"),  # double letters: Giovanni ~ Giovani
)


@lru_cache(maxsize=200_000)
def phonetic(token: str) -> str:
    """A Spanish/Central-American sound key: z→s, v→b, ll→y, silent h, x/j/g, doubled letters."""
    key = fold(token)
    for pattern, repl in _PHONETIC_RULES:
        key = re.sub(pattern, repl, key)
    return key


def normalise_a_number(value: str | None) -> str | None:
    """'A-012 345 678', '12345678', 'a012345678' → 'A012345678'; None when it cannot be one."""
    if value is None:
        return None
    digits = "".join(_A_DIGITS.findall(str(value)))
    if not digits or len(digits) > 9 or int(digits) == 0:
        return None
    return "A" + digits.zfill(9)


def search_keys_for(names: list[str], identifiers: list[str]) -> list[str]:
    """Keys stored on a person: 'n:<token>', 'p:<phonetic>', 'id:<identifier>'."""
    keys: set[str] = set()
    for name in names:
        keys.update(_name_keys(name))
    for ident in identifiers:
        keys.add(f"id:{identifier_key(ident)}")
    return sorted(keys)


@lru_cache(maxsize=200_000)
def _name_keys(name: str) -> tuple[str, ...]:
    """The name keys of one spelling: a load meets the same spellings again and again."""
    return tuple(k for token in name_tokens(name) for k in (f"n:{token}", f"p:{phonetic(token)}"))


_ID_NOISE = re.compile(r"[\s\-_/]")


def identifier_key(ident: str) -> str:
    """An identifier as searched: the part after 'system:' folded, without spaces or dashes."""
    value = ident.split(":", 1)[-1]
    return _ID_NOISE.sub("", value.lower() if value.isascii() else fold(value))


def query_keys(text: str) -> tuple[list[str], list[str]]:
    """What a search string looks for: (identifier keys, name keys).

    A string with digits is tried as an identifier (and as an A-number); every word is also
    tried as a name token and its phonetic key.
    """
    ids: list[str] = []
    if any(ch.isdigit() for ch in text):
        a_number = normalise_a_number(text) if re.fullmatch(r"[Aa]?[\d\s\-]+", text.strip()) else None
        if a_number:
            ids.append(f"id:{fold(a_number)}")
        ids.append(f"id:{identifier_key(text.strip())}")
    names: list[str] = []
    for token in name_tokens(text):
        if token.isdigit():
            continue
        names.append(f"n:{token}")
        names.append(f"p:{phonetic(token)}")
    return list(dict.fromkeys(ids)), list(dict.fromkeys(names))
