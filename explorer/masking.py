"""Masked names for the trainer: roles instead of names, stable within one walkthrough.

Trainers demonstrate on synthetic data, but a screen may still be shared or recorded, so the
walkthrough never shows a name — only "Child 1", "Adult 2", numbered in a fixed order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from graph.model import Person


def masked_labels(persons: Iterable[Person], centre_id: str | None = None) -> dict[str, str]:
    """Person id → 'Child n' / 'Adult n'; the centre person is always numbered first."""
    ordered = sorted(persons, key=lambda p: (p.person_id != centre_id, p.person_id))
    counters = {"Child": 0, "Adult": 0}
    labels: dict[str, str] = {}
    for p in ordered:
        role = "Child" if p.is_child else "Adult"
        counters[role] += 1
        labels[p.person_id] = f"{role} {counters[role]}"
    return labels


def label_fn(labels: dict[str, str]) -> Callable[[Person], str]:
    """A label function for the graph and timeline builders; unknown persons stay masked."""
    return lambda p: labels.get(p.person_id, "Person")
