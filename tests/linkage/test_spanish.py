"""The Spanish name rules on their own, on the pitfalls that defeat English phonetic codes."""

from __future__ import annotations

import pytest

from loaders.linkage.spanish import (
    given_tokens,
    sound_key,
    spelling_key,
    surname_keys,
    surname_set_key,
    surname_tokens,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ximena", "Jimena"),  # x/j: Double Metaphone keeps these apart
        ("Giovanni", "Yovani"),  # Italian gi before a vowel, doubled n
        ("Velásquez", "Belazquez"),  # v/b, z/s, accent
        ("Hernández", "Ernandez"),  # silent h
        ("Yesenia", "Llesenia"),  # ll/y
        ("Jesús", "Hesus"),  # j written as h
        ("Gerardo", "Jerardo"),  # g before e/i
        ("Mejía", "Mexia"),  # x between vowels
        ("Quiej", "Kiej"),  # qu/k in Mayan surnames
        ("Reyna", "Reina"),  # vowel y
        ("Wilmer", "Guilmer"),  # w/gu
        ("NÚÑEZ", "nunez"),  # case, accents, ñ
    ],
)
def test_alternations_share_a_sound_key(a: str, b: str) -> None:
    assert sound_key(a) == sound_key(b)


@pytest.mark.parametrize(
    ("a", "b"), [("Chávez", "Cavez"), ("Ana", "Andrea"), ("Luis", "Lucía"), ("Xol", "Sol")]
)
def test_different_names_stay_apart(a: str, b: str) -> None:
    assert sound_key(a) != sound_key(b)


def test_spelling_key_is_finer_than_sound_key() -> None:
    """x/j alternations are a sound, not a spelling, rule: the spelling key keeps them apart."""
    assert spelling_key("Ximena") != spelling_key("Jimena")
    assert spelling_key("Vásquez") == spelling_key("Basques")


def test_particles_stay_with_their_surname() -> None:
    assert surname_tokens("Pérez de la Cruz") == ["perez", "de la cruz"]
    assert surname_tokens("del Valle y Núñez") == ["del valle", "nunez"]
    assert surname_tokens("De La") == ["de la"]  # only particles: kept, never lost


def test_hyphenated_surnames_are_two_surnames() -> None:
    assert surname_tokens("García-López") == surname_tokens("García López") == ["garcia", "lopez"]


def test_either_surname_and_swaps() -> None:
    full = surname_keys(surname_tokens("Gutiérrez Tzul"))
    dropped = surname_keys(surname_tokens("GUTIERREZ"))
    assert set(dropped) <= set(full)
    assert surname_set_key(surname_tokens("López García")) == surname_set_key(surname_tokens("Garcia Lopez"))
    assert surname_keys(surname_tokens("de la Cruz")) == surname_keys(surname_tokens("Cruz"))


def test_given_tokens_drop_punctuation_and_digits() -> None:
    assert given_tokens("María-José 2") == ["maria", "jose"]
    assert given_tokens(None) == []
