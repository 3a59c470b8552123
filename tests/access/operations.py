"""Every SecuredGraph read, called the way a page would, for the role matrix and audit counts.

`ref(kind, key)` turns a real key into what the caller may pass: a pseudonym for an analyst,
the key itself for everyone else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from graph.access import SecuredGraph
from tests.access.conftest import MOM_KID1
from tests.contract import scenario as sc

Ref = Callable[[str, str], str]
ON = date(2018, 6, 20)


@dataclass(frozen=True)
class Op:
    name: str
    action: str | None  # the audit action it logs; None: an aggregate, not logged
    call: Callable[[SecuredGraph, Ref], Any]
    returns_persons: bool = True
    same_rows: bool = True  # an analyst gets the rows a caseworker gets (pseudonymised)


OPERATIONS: list[Op] = [
    Op("get_person", "view", lambda g, r: g.get_person(r("person", sc.MOM))),
    Op("search_persons", "search", lambda g, r: g.search_persons(r("person", sc.MOM))
       if g.role == "analyst" else g.search_persons("López García"), same_rows=False),
    Op("relatives", "view", lambda g, r: g.relatives(r("person", sc.MOM), hops=2)),
    Op("family_path", "view", lambda g, r: g.family_path(r("person", sc.AUNT), r("person", sc.KID2))),
    Op("custody_chain", "view", lambda g, r: g.custody_chain(r("person", sc.KID1))),
    Op("custody_chains", "view", lambda g, r: g.custody_chains([r("person", sc.KID1), r("person", sc.DAD)])),
    Op("family_whereabouts", "view", lambda g, r: g.family_whereabouts(r("person", sc.MOM), ON)),
    Op("separated_not_reunified", "list", lambda g, r: g.separated_not_reunified(ON)),
    Op("separations", "view", lambda g, r: g.separations([r("person", sc.KID1), r("person", sc.DAD)])),
    Op("conflicting_parent_claims", "list", lambda g, r: g.conflicting_parent_claims()),
    Op("census", None, lambda g, r: g.census(ON), returns_persons=False),
    Op("orphaned_children", "list", lambda g, r: g.orphaned_children()),
    Op("orphan_counts", None, lambda g, r: g.orphan_counts(), returns_persons=False),
    Op("provenance", "view", lambda g, r: g.provenance(r("person", sc.MOM))),
    Op("review_history", "view", lambda g, r: g.review_history(r("link", MOM_KID1)), returns_persons=False),
    Op("pending_reviews", "list", lambda g, r: g.pending_reviews()),
    Op("load_batches", None, lambda g, r: g.load_batches(), returns_persons=False),
    Op("quarantine", "list", lambda g, r: g.quarantine(), returns_persons=False),
    Op("counts", None, lambda g, r: g.counts(), returns_persons=False),
]
