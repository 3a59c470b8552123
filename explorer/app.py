"""Family Lineage Explorer: the Streamlit entry point (`lineage explore`).

Navigation is this one function over the page table in `explorer/nav.py`; each page is a file in
`explorer/views/` that reads its widgets, calls one or two graph operations and renders. Before
any page runs, `explorer/signin.py` establishes who is asking (sign-in or the local user) and the
menu holds only the pages of that role; a refusal by `graph/` (e.g. a trainer on real data) is
shown in plain words. Each page run is one audited view (`explorer.store.page_view`).

The directory is deliberately not called `pages/`: Streamlit still auto-discovers a `pages/`
folder beside the entry script, and on a fresh server a deep link such as `/analyst` then ran
`pages/analyst.py` on its own (old-style multipage app, wrong menu, no `st.navigation`).
"""

from __future__ import annotations

import streamlit as st

from explorer.nav import st_pages
from explorer.signin import banner, principal_or_stop
from explorer.store import page_view
from graph.errors import PermissionDeniedError


def main() -> None:
    # No material-symbol page icon: Streamlit fetches that favicon from fonts.gstatic.com, and the
    # explorer must make no outside request on a closed network.
    st.set_page_config(page_title="Family Lineage Explorer", layout="wide")
    principal = principal_or_stop()
    page = st.navigation(st_pages(principal.role))
    banner(principal)
    try:
        with page_view(page.title):  # the run's reads are one audit entry, written when it ends
            page.run()
    except PermissionDeniedError as exc:
        st.error(f"Not allowed for your role ({principal.role.value}): {exc}")


main()
