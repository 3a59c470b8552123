"""Spanish / Central-American name rules for matching, explicit and tested on their own.

Double Metaphone and Soundex were built for English and miss the alternations clerks produce when
they write Spanish and Mayan names by ear: Ximena/Jimena, Giovanni/Yovani, Velásquez/Belázquez,
Hernández/Ernández, Guillermo/Giyermo. The rules below fold those alternations into one key.

They are kept apart from `graph.keys.phonetic` (the search key stored on persons) on purpose: a
trained linkage model is only valid for the keys it was trained on, so search can evolve without
silently changing what a saved model sees.

Surnames are kept as an ordered array of tokens in which particles stay attached to the surname
they introduce ("de la Cruz" is one token, "Pérez de la Cruz" is two), so "either surname" and
"swapped surnames" comparisons work on whole surnames rather than on stray words.
"""

from __future__ import annotations

import re
from functools import lru_cache

from graph.keys import fold

#: Words that introduce a surname and belong to it ("de la Cruz", "del Valle", "San Martín").
PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "da", "do", "dos", "das", "san", "santa", "van", "von"}
)
#: Words that join two surnames ("Ortega y Gasset") and belong to neither.
CONJUNCTIONS = frozenset({"y", "e", "i"})

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Orthographic rules: spellings a Spanish speaker reads the same way. Order matters.
_SPELLING_RULES: tuple[tuple[str, str], ...] = (
    (r"ñ", "n"),
    (r"ph", "f"),
    (r"ll", "y"),
    (r"w", "gu"),  # Wilmer ~ Guilmer (before the gu rule below)
    (r"qu(?=[ei])", "k"),
    (r"gu(?=[ei])", "g"),  # Guillermo: the u is silent
    (r"c(?=[ei])", "s"),
    (r"z", "s"),
    (r"v", "b"),
    (r"(?<!c)h", ""),  # silent h (ch stays: Chávez is not Cávez)
    (r"y(?![aeiou])", "i"),  # vowel y: Yvonne, Reyna ~ Reina
    (r"(.)\1+", r"\1"),  # doubled letters: Giovanni ~ Giovani
)

# Sound rules on top: the x/j/g alternations of Mexican and Central-American names.
_SOUND_RULES: tuple[tuple[str, str], ...] = (
    (r"^gi(?=[aeou])", "y"),  # Giovanni ~ Yovani (Italian gi before a vowel)
    (r"^x", "j"),  # Ximena ~ Jimena, Xavier ~ Javier
    (r"(?<=[aeiou])x(?=[aeiou])", "j"),  # Mexía ~ Mejía
    (r"g(?=[ei])", "j"),  # Gerardo ~ Jerardo
    (r"j", ""),  # j is an aspirate like the h dropped above: Jesús ~ Hesús ~ Esús
    (r"y", "i"),  # Yovani ~ Iovani, Marya ~ María
    (r"k", "c"),  # Kevin ~ Cevin, Quiej (kiej) ~ Ciej
)


@lru_cache(maxsize=200_000)
def spelling_key(token: str) -> str:
    """One written name token, accents and orthographic variants folded: 'Vásquez' → 'basques'."""
    key = fold(token)
    for pattern, repl in _SPELLING_RULES:
        key = re.sub(pattern, repl, key)
    return key


@lru_cache(maxsize=200_000)
def sound_key(token: str) -> str:
    """A coarser key that also joins x/j/g alternations: 'Ximena' and 'Jimena' → 'jimena'.

    Multi-word tokens (a surname with its particles) keep their words apart: 'de la Cruz' →
    'de la crus'.
    """
    words = []
    for word in fold(token).split():
        key = spelling_key(word)
        for pattern, repl in _SOUND_RULES:
            key = re.sub(pattern, repl, key)
        words.append(key)
    return " ".join(words)


def words(text: str | None) -> list[str]:
    """Folded words of a name, digits and punctuation dropped; hyphens separate words."""
    return _WORD.findall(fold(text or ""))


def given_tokens(text: str | None) -> list[str]:
    """Given names as folded tokens: 'María José' → ['maria', 'jose']."""
    return words(text)


def surname_tokens(text: str | None) -> list[str]:
    """Surnames as tokens with their particles attached, conjunctions dropped.

    Example:
        surname_tokens("Pérez de la Cruz")  → ['perez', 'de la cruz']
        surname_tokens("García-López")      → ['garcia', 'lopez']
        surname_tokens("Ortega y Gasset")   → ['ortega', 'gasset']
    """
    tokens: list[str] = []
    pending: list[str] = []
    for word in words(text):
        if word in PARTICLES:
            pending.append(word)
        elif word in CONJUNCTIONS and tokens and not pending:
            continue
        else:
            tokens.append(" ".join([*pending, word]))
            pending = []
    if pending:  # a name that is only particles ("De La") or ends with one: keep it, do not lose it
        if tokens:
            tokens[-1] = " ".join([tokens[-1], *pending])
        else:
            tokens.append(" ".join(pending))
    return tokens


def core(surname: str) -> str:
    """A surname token without its particles, for fuzzy comparison: 'de la cruz' → 'cruz'."""
    parts = [w for w in surname.split() if w not in PARTICLES]
    return " ".join(parts) or surname


def surname_keys(tokens: list[str]) -> list[str]:
    """Sound keys of surname tokens, particles dropped so 'Cruz' and 'de la Cruz' meet."""
    return [sound_key(core(t)) for t in tokens]


def surname_set_key(tokens: list[str]) -> str | None:
    """An order-free key of all surnames: 'García López' and 'López García' agree (swaps)."""
    keys = sorted(set(surname_keys(tokens)))
    return "|".join(keys) if keys else None
