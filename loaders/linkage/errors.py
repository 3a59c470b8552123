"""Linkage's own error family: callers catch `LinkageError`, never a Splink or DuckDB type."""

from __future__ import annotations


class LinkageError(Exception):
    """Linkage could not train, score or cluster; the message says which and why."""
