"""Name pools and the ways agencies mangle names, A-numbers and dates.

Pools are short lists of common Central American and Mexican names (with their accents, and a few
Mayan surnames that anglophone clerks misspell); every function takes the caller's `Random` so a
scenario is deterministic for its seed.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date

from loaders.synth.config import MessRates

GIVEN_F = [
    "María",
    "Ana",
    "Sofía",
    "Lucía",
    "Ximena",
    "Inés",
    "Rosa",
    "Yesenia",
    "Guadalupe",
    "Elena",
    "Carmen",
    "Marisol",
    "Dulce",
    "Jimena",
    "Valeria",
    "Gabriela",
    "Andrea",
    "Yolanda",
    "Belén",
    "Josefina",
    "Leticia",
    "Reina",
    "Marleny",
    "Wendy",
    "Isabel",
    "Zoila",
    "Érica",
    "Mónica",
]
GIVEN_M = [
    "José",
    "Juan",
    "Luis",
    "Jesús",
    "Andrés",
    "Ramón",
    "Carlos",
    "Óscar",
    "Héctor",
    "Javier",
    "Miguel",
    "Elías",
    "Gerardo",
    "Jonathan",
    "Kevin",
    "Wilmer",
    "Yovani",
    "Édgar",
    "Mario",
    "Byron",
    "Cristian",
    "Ángel",
    "Fernando",
    "Nelson",
    "Selvin",
    "Víctor",
    "Hugo",
    "Iván",
]
SURNAMES = [
    "Hernández",
    "García",
    "López",
    "Martínez",
    "Pérez",
    "González",
    "Rodríguez",
    "Sánchez",
    "Ramírez",
    "Cruz",
    "Flores",
    "Gómez",
    "Díaz",
    "Reyes",
    "Morales",
    "Jiménez",
    "Ortiz",
    "Gutiérrez",
    "Chávez",
    "Ramos",
    "Vásquez",
    "Castillo",
    "Ruiz",
    "Álvarez",
    "Mendoza",
    "Núñez",
    "Juárez",
    "Xol",
    "Caal",
    "Chub",
    "Ixcoy",
    "Tzul",
    "Batz",
    "Quiej",
    "Villatoro",
    "Zelaya",
    "Barrios",
    "Orellana",
    "Aguilar",
    "Escobar",
    "Velásquez",
    "Pineda",
    "Mejía",
    "Cabrera",
]
COUNTRIES = ["Guatemala", "Honduras", "El Salvador", "Mexico", "Ecuador", "Nicaragua", "Brazil"]
COUNTRY_WEIGHTS = [35, 30, 18, 10, 3, 2, 2]

_SOUND_SWAPS = [
    ("z", "s"),
    ("s", "z"),
    ("v", "b"),
    ("b", "v"),
    ("ll", "y"),
    ("y", "ll"),
    ("j", "h"),
    ("x", "j"),
    ("qu", "k"),
    ("ge", "je"),
    ("gi", "ji"),
    ("h", ""),
    ("nn", "n"),
    ("i", "y"),
]


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def spelling_variant(rng: random.Random, name: str) -> str:
    """A transliteration swap (z/s, v/b, ll/y, x/j, silent h) or, failing that, a one-letter typo."""
    lower = name.lower()
    options = [(a, b) for a, b in _SOUND_SWAPS if a in lower]
    if options:
        a, b = rng.choice(options)
        i = lower.index(a)
        out = name[:i] + b + name[i + len(a) :]
        return out[:1].upper() + out[1:] if out else name
    if len(name) > 3:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]  # transpose two letters
    return name


def surnames_as_written(rng: random.Random, first: str, second: str, rates: MessRates) -> str:
    """Two surnames as a clerk wrote them: both, the first only, swapped or hyphenated."""
    r = rng.random()
    if r < rates.drop_second_surname:
        return first
    r -= rates.drop_second_surname
    if r < rates.swap_surnames:
        return f"{second} {first}"
    r -= rates.swap_surnames
    if r < rates.hyphenate_surnames:
        return f"{first}-{second}"
    return f"{first} {second}"


def a_number_as_written(rng: random.Random, digits: str, variant: float, typo: float) -> str:
    """An A-number (9 digits) in one of the formats seen in exports, sometimes mistyped."""
    if rng.random() < typo:
        chars = list(digits)
        i = rng.randrange(1, 8)
        if rng.random() < 0.5:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i] = str((int(chars[i]) + rng.randrange(1, 10)) % 10)
        digits = "".join(chars)
    if rng.random() >= variant:
        return "A" + digits
    style = rng.randrange(5)
    if style == 0:
        return digits
    if style == 1:
        return digits.lstrip("0")
    if style == 2:
        return f"A-{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if style == 3:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return "a" + digits


def us_date(rng: random.Random, day: date, swap: float) -> str:
    """Month/day/year, or day/month/year when the clerk swapped them."""
    if rng.random() < swap:
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    return f"{day.month:02d}/{day.day:02d}/{day.year}"
