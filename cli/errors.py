"""Expected failures end a command with one clear line and a non-zero exit, not a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from graph.errors import GraphStoreError

P = ParamSpec("P")
T = TypeVar("T")


def exit_on_error(command: Callable[P, T]) -> Callable[P, T]:
    """Print a GraphStoreError (or any error family registered here) as one line; exit 1."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return command(*args, **kwargs)
        except EXPECTED_ERRORS as exc:
            typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from exc

    return run


EXPECTED_ERRORS: tuple[type[Exception], ...] = (GraphStoreError,)
