"""`lineage review list|confirm|reject|history`: the review queue from the command line.

Potential matches (POSSIBLY_SAME_AS), claimed family links and automatic merges are reviewed by
key. Every decision is kept with who, when and why (`GraphStore` review history); nothing is
deleted. A decision on a match or a merge is applied at once by resolving again with the saved
models: confirming merges the two persons, rejecting keeps (or puts) them apart, and both hold
on every later `lineage resolve`.
"""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.errors import exit_on_error
from cli.resolve_cmd import exit_on_linkage_error, print_report, run_resolution
from graph import open_store
from graph.access import Role
from graph.audit import AuditLog, audit_path
from graph.config import Settings
from graph.errors import NotFoundError
from graph.model import FamilyLink, LinkStatus, Person, PossibleMatch
from graph.store import GraphStore
from loaders.linkage.cluster import Thresholds
from loaders.linkage.decisions import RESOLVER, is_match_key, latest, record_decision

review_app = typer.Typer(
    help="Review potential matches, claimed family links and automatic merges.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

By = Annotated[str, typer.Option("--by", help="who decides (kept in the history)")]
Reason = Annotated[str, typer.Option("--reason", help="why, in the reviewer's words")]
NoApply = Annotated[
    bool, typer.Option("--no-apply", help="record only; the next `lineage resolve` applies it")
]


def _weights(explanation: str, top: int = 3) -> str:
    """The comparisons that weighed most, e.g. 'dob +8.1, given +6.0, family -1.2'."""
    try:
        weights = json.loads(explanation)
    except ValueError:
        return explanation
    if not all(isinstance(v, int | float) for v in weights.values()):
        return explanation
    best = sorted(weights.items(), key=lambda kv: -abs(kv[1]))[:top]
    return ", ".join(f"{k} {v:+.1f}" for k, v in best)


@review_app.command("list")
@exit_on_error
def list_(
    limit: Annotated[int, typer.Option("--limit", min=1, help="rows per kind")] = 50,
    merges: Annotated[bool, typer.Option("--merges", help="also list automatic merges (to undo)")] = False,
) -> None:
    """Pending possible matches, claimed and inferred family links (and automatic merges with --merges)."""
    console = Console()
    with open_store(read_only=True) as store:
        links, matches = store.pending_reviews(limit)
        names = {p.person_id: p.full_name for p in _persons(store, links, matches)}
        done = latest(store.reviews(), humans_only=False) if merges else {}
    table = Table(title=f"possible matches awaiting review ({len(matches)})")
    for col in ("key", "person a", "person b", "probability", "why (match weights)"):
        table.add_column(col)
    for m in matches:
        table.add_row(
            m.match_id,
            names.get(m.person_a, ""),
            names.get(m.person_b, ""),
            f"{m.probability:.3f}",
            _weights(m.explanation),
        )
    console.print(table)
    table = Table(title=f"claimed and inferred family links awaiting review ({len(links)})")
    for col in ("key", "from", "kind", "to", "records"):
        table.add_column(col)
    for x in links:
        table.add_row(
            x.link_id, names.get(x.from_id, ""), x.kind, names.get(x.to_id, ""), str(len(x.sources))
        )
    console.print(table)
    if merges:
        auto = [r for r in done.values() if r.reviewer == RESOLVER][:limit]
        table = Table(title=f"automatic merges ({len(auto)}); `lineage review reject KEY` undoes one")
        for col in ("key", "merged on", "why"):
            table.add_column(col)
        for r in sorted(auto, key=lambda r: r.target_key):
            table.add_row(r.target_key, r.decided_at.isoformat(), r.reason)
        console.print(table)


def _persons(store: GraphStore, links: list[FamilyLink], matches: list[PossibleMatch]) -> list[Person]:
    ids = {i for x in links for i in (x.from_id, x.to_id)}
    ids |= {i for m in matches for i in (m.person_a, m.person_b)}
    return [p for i in sorted(ids) if (p := store.get_person(i))]


def _decide(key: str, decision: LinkStatus, by: str, reason: str, no_apply: bool) -> None:
    """Record the decision in the graph and in the audit log: the command line writes to the
    database directly, as its owner (an admin), so the log names the operating-system account
    beside the reviewer's name given with --by."""
    console = Console()
    settings = Settings()
    with open_store(settings) as store:
        try:
            review = record_decision(store, key, decision, by, reason)
        except (NotFoundError, ValueError) as exc:
            typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from exc
    AuditLog(audit_path(settings)).append(
        f"local:{getpass.getuser()}", Role.ADMIN, "review", key,
        {"operation": "lineage review", "decision": decision.value, "by": by, "reason": reason}, 1,
    )
    console.print(f"{review.decision.value}: {key} by {review.reviewer} at {review.decided_at.isoformat()}")
    if is_match_key(key) and not no_apply:
        print_report(run_resolution(Thresholds(), [], reuse_models=True), console, quiet=True)


@review_app.command()
@exit_on_error
@exit_on_linkage_error
def confirm(key: str, by: By, reason: Reason, no_apply: NoApply = False) -> None:
    """Confirm a possible match (the persons merge), a claimed link (evidence: reviewed) or an
    automatic merge (it then holds whatever the model says later)."""
    _decide(key, LinkStatus.CONFIRMED, by, reason, no_apply)


@review_app.command()
@exit_on_error
@exit_on_linkage_error
def reject(key: str, by: By, reason: Reason, no_apply: NoApply = False) -> None:
    """Reject a possible match (kept apart from now on), a claimed link (kept, not traversed) or
    an automatic merge (undone: the persons are split again)."""
    _decide(key, LinkStatus.REJECTED, by, reason, no_apply)


@review_app.command()
@exit_on_error
def history(key: str) -> None:
    """Every decision on a link, match or merge: who, when, why."""
    with open_store(read_only=True) as store:
        reviews = store.review_history(key)
    table = Table("decided at", "decision", "by", "reason", title=f"history of {key}")
    for r in reviews:
        table.add_row(r.decided_at.isoformat(), r.decision.value, r.reviewer, r.reason)
    Console().print(table)
