"""The page table: one place that names every page, its file, its URL path and who may open it.

`app.py` builds `st.navigation` from it for the session's role, and pages link to each other
through it, so a renamed page cannot leave a dead link behind and no link points at a page the
role cannot open. A deep link to a page outside the role's menu is not served: Streamlit shows its
"page not found" notice and the role's first page.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import streamlit as st

from explorer.signin import current_principal
from graph.access import Role

PAGES_DIR = Path(__file__).parent / "views"  # not "pages/": see app.py


class PageSpec(NamedTuple):
    file: str
    title: str
    url_path: str
    icon: str


PAGES: dict[str, PageSpec] = {
    "find": PageSpec("find_person.py", "Find a person", "find", ":material/search:"),
    "graph": PageSpec("family_graph.py", "Family graph", "family-graph", ":material/family_history:"),
    "timeline": PageSpec("custody_timeline.py", "Custody timeline", "timeline", ":material/timeline:"),
    "analyst": PageSpec("analyst.py", "Analyst", "analyst", ":material/analytics:"),
    "review": PageSpec("review_queue.py", "Review queue", "review", ":material/fact_check:"),
    "trainer": PageSpec("trainer.py", "Trainer", "trainer", ":material/school:"),
    "admin": PageSpec("admin.py", "Admin", "admin", ":material/admin_panel_settings:"),
}
CASEWORK = ["find", "graph", "timeline", "analyst", "review", "trainer"]
ROLE_PAGES: dict[Role, list[str]] = {
    Role.CASEWORKER: CASEWORK,
    Role.ANALYST: ["find", "graph", "timeline", "analyst"],  # pseudonyms only; no review, no trainer
    Role.TRAINER: ["trainer"],
    Role.ADMIN: [*CASEWORK, "admin"],
}


def page_path(name: str) -> Path:
    return PAGES_DIR / PAGES[name].file


def st_pages(role: Role) -> list[st.Page]:
    """The role's titled `st.Page` entries in menu order; the first is the default page."""
    # No page icons here: Streamlit turns the current page's material icon into the favicon and
    # fetches it from fonts.gstatic.com; the explorer must make no outside request.
    return [
        st.Page(page_path(name), title=spec.title, url_path=spec.url_path, default=i == 0)
        for i, (name, spec) in enumerate((n, PAGES[n]) for n in ROLE_PAGES[role])
    ]


def link(name: str, **params: str | int) -> None:
    """A link to another page that carries the view's parameters (its deep link); nothing when
    the session's role cannot open that page."""
    if name not in ROLE_PAGES[current_principal().role]:
        return
    st.page_link(page_path(name), label=PAGES[name].title, icon=PAGES[name].icon,
                 query_params={k: str(v) for k, v in params.items()})
