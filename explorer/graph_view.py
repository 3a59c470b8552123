"""Family graphs as pyvis networks: pure functions from domain records to nodes, edges and HTML.

Kept free of Streamlit so they are unit-tested directly (AppTest does not run the iframe's
JavaScript). vis-network itself is not in the HTML: the page loads pyvis's own copy, shipped as
`explorer/static/vis-network-9.1.2.min.js` and served by Streamlit from the same origin (`lineage
explore` turns static serving on), so the browser caches it once instead of receiving ~700 KB
inline on every render, and the page still makes no outside request: pyvis's CDN and Bootstrap
links are stripped. Positions are computed here (a radial tree), so vis-network runs no physics:
the graph is drawn in place at once and never moves. Text reaches the page only through pyvis's
`tojson` (which escapes `<`, `>`, `&` and quotes) and vis-network draws labels and tooltips as
text, so hostile names stay inert.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from jinja2 import Template
from pyvis.network import Network

from graph.model import Agency, Evidence, FamilyKind, FamilyLink, Neighbourhood, Person

MORE_NODE_ID = "__more__"
AGENCY_COLOURS: dict[str | None, str] = {
    Agency.CBP.value: "#1f77b4",
    Agency.USMS.value: "#8c564b",
    Agency.ICE.value: "#d62728",
    Agency.ORR.value: "#2ca02c",
    Agency.OTHER.value: "#9467bd",
    None: "#9e9e9e",
}
KIND_LABELS = {
    FamilyKind.PARENT_OF: "parent",
    FamilyKind.SIBLING_OF: "sibling",
    FamilyKind.GUARDIAN_OF: "guardian",
    FamilyKind.RELATIVE_OF: "relative",
}
DIRECTED = {FamilyKind.PARENT_OF, FamilyKind.GUARDIAN_OF}
RING_RADIUS = 220
NODE_GAP = 70  # least distance between neighbours on a ring, so labels stay apart
VIS_NETWORK_JS = "vis-network-9.1.2.min.js"
# Relative to the page (a srcdoc iframe resolves against its parent), so a base URL path works too.
VIS_NETWORK_URL = f"app/static/{VIS_NETWORK_JS}"
_CDN_TAG = re.compile(
    r"<link\b[^>]*https?://[^>]*>|<script\b[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>",
    re.IGNORECASE | re.DOTALL,
)
_DRAW_CALL = re.compile(r"\n\s*drawGraph\(\);(\s*</script>)")
# The whole graph in view, then flags for tests and the benchmark: first paint (ms after the frame
# opened) and stable (nothing moves after the first paint).
_MARK_DRAWN_JS = """
                  network.fit();
                  network.once("afterDrawing", function () {
                      window.lineageDrawn = performance.now();
                      window.lineageStable = true;
                  });
                  return network;"""
_NO_LIBRARY = ("The graph library was not served (app/static). Start the explorer with "
               "`lineage explore`, which turns Streamlit's static file serving on.")
_GUARDED_DRAW = ("\n              if (typeof vis === 'undefined') { document.getElementById('mynetwork')"
                 f".textContent = {json.dumps(_NO_LIBRARY)}; }} else {{ drawGraph(); }}")

LabelFn = Callable[[Person], str]


def default_label(person: Person) -> str:
    return person.full_name or person.person_id


def node_colour(agency: Agency | str | None) -> str:
    """Fill colour of a node: the agency holding the person now (grey when none)."""
    key = agency.value if isinstance(agency, Agency) else agency
    return AGENCY_COLOURS.get(key, AGENCY_COLOURS[None])


def _radial_positions(hood: Neighbourhood) -> dict[str, tuple[float, float]]:
    """Person id → (x, y): a radial tree around the centre, each hop distance on its own ring.

    Every relative sits inside the angle of the relative that brought it into the graph (its
    parent in a breadth-first tree), sized by how many descendants it carries, so branches do
    not cross; a ring grows when it holds too many persons to keep NODE_GAP between them.
    Computed here so the graph is drawn in place at once, without a physics simulation.
    """
    hops = hood.hops
    near: dict[str, list[str]] = {}
    for link in hood.links:
        near.setdefault(link.from_id, []).append(link.to_id)
        near.setdefault(link.to_id, []).append(link.from_id)
    ordered = sorted(hops, key=lambda pid: (hops[pid], pid))
    children: dict[str, list[str]] = {pid: [] for pid in ordered}
    for pid in ordered:
        if pid == hood.center_id:
            continue
        parents = sorted(n for n in near.get(pid, []) if hops.get(n) == hops[pid] - 1)
        children[parents[0] if parents else hood.center_id].append(pid)
    weight: dict[str, int] = {}
    for pid in reversed(ordered):
        weight[pid] = max(1, sum(weight[c] for c in children[pid]))
    on_ring: dict[int, int] = {}
    for pid in ordered:
        on_ring[hops[pid]] = on_ring.get(hops[pid], 0) + 1
    radius: dict[int, float] = {0: 0.0}
    for h in sorted(on_ring)[1:] if 0 in on_ring else sorted(on_ring):
        radius[h] = max(radius.get(h - 1, 0.0) + RING_RADIUS, on_ring[h] * NODE_GAP / (2 * math.pi))
    pos: dict[str, tuple[float, float]] = {}
    spans = [(hood.center_id, 0.0, 2 * math.pi)] if hood.center_id in hops else []
    roots = [pid for pid in ordered if pid != hood.center_id and pid not in
             {c for kids in children.values() for c in kids}]
    spans += _split(roots, 0.0, 2 * math.pi, weight)
    while spans:
        pid, lo, hi = spans.pop()
        angle, r = (lo + hi) / 2, radius.get(hops[pid], 0.0)
        pos[pid] = (round(r * math.cos(angle), 1), round(r * math.sin(angle), 1))
        spans += _split(children[pid], lo, hi, weight)
    return pos


def _split(ids: list[str], lo: float, hi: float, weight: Mapping[str, int]) -> list[tuple[str, float, float]]:
    """Share the angle [lo, hi) among `ids` in proportion to their weights."""
    per_weight = (hi - lo) / max(sum(weight[i] for i in ids), 1)
    out = []
    for pid in ids:
        step = per_weight * weight[pid]
        out.append((pid, lo, lo + step))
        lo += step
    return out


def graph_nodes(
    hood: Neighbourhood,
    agencies: Mapping[str, Agency | None],
    label: LabelFn = default_label,
) -> list[dict[str, Any]]:
    """vis-network node dicts: colour by current custody agency, shape by role (child/adult/centre).

    A "+N more" node stands for relatives cut off by the query's limit.
    """
    pos = _radial_positions(hood)
    nodes = []
    for p in hood.persons:
        agency = agencies.get(p.person_id)
        role = "child" if p.is_child else "adult"
        x, y = pos.get(p.person_id, (0.0, 0.0))
        centre = p.person_id == hood.center_id
        nodes.append(
            {
                "id": p.person_id,
                "label": label(p),
                "title": f"{label(p)}\n{role}; custody: {agency.value if agency else 'none on record'}",
                "color": node_colour(agency),
                "shape": "star" if centre else ("dot" if p.is_child else "square"),
                "size": 28 if centre else 18,
                "x": x,
                "y": y,
                "role": role,
                "agency": agency.value if agency else None,
                "hops": hood.hops.get(p.person_id, 0),
            }
        )
    if hood.more > 0:
        far = max(hood.hops.values(), default=0) + 1
        nodes.append(
            {
                "id": MORE_NODE_ID,
                "label": f"+{hood.more} more",
                "title": f"{hood.more} more relatives not drawn; narrow the filters or lower the hops",
                "color": "#eeeeee",
                "shape": "box",
                "x": round(max((math.hypot(x, y) for x, y in pos.values()), default=0.0) + RING_RADIUS, 1),
                "y": 0.0,
                "role": "more",
                "agency": None,
                "hops": far,
            }
        )
    return nodes


def edge_style(evidence: Evidence) -> dict[str, Any]:
    """Inferred links dotted, claimed ones dashed, both thin; verified ones solid, wider the
    stronger the evidence."""
    dashes: bool | list[int] = [2, 6] if evidence == Evidence.INFERRED else evidence == Evidence.CLAIMED
    return {"dashes": dashes, "width": 1 + evidence.rank}


def graph_edges(
    hood: Neighbourhood, path_links: set[str] | frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """vis-network edge dicts; links on the highlighted shortest path are drawn in orange."""
    edges = [_edge(link, link.link_id in path_links) for link in hood.links]
    if hood.more > 0:
        edges.append({"id": "__more_edge__", "from": hood.center_id, "to": MORE_NODE_ID, "dashes": True,
                      "color": "#bbbbbb", "width": 1})
    return edges


def _edge(link: FamilyLink, on_path: bool) -> dict[str, Any]:
    return {
        "id": link.link_id,
        "from": link.from_id,
        "to": link.to_id,
        "label": KIND_LABELS[link.kind],
        "title": f"{link.kind.value}: {link.evidence.value}, {link.status.value}",
        "arrows": "to" if link.kind in DIRECTED else "",
        "color": "#ff7f0e" if on_path else "#555555",
        "evidence": link.evidence.value,
        **edge_style(link.evidence),
    }


def graph_options() -> dict[str, Any]:
    """vis-network options: the precomputed layout as is (no physics, so nothing moves), readable labels."""
    return {
        "nodes": {"font": {"size": 16, "face": "sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"font": {"size": 12, "align": "middle"}, "smooth": False},
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 150},
    }


def strip_cdn(html: str) -> str:
    """Remove every <link>/<script src> pointing at a remote host (pyvis always adds Bootstrap)."""
    return _CDN_TAG.sub("", html)


@cache
def _pyvis_template() -> Template:
    """pyvis's page template, compiled once (~60 ms). `Network.generate_html` compiles it again on
    every call unless asked for notebook output, the one mode that renders `net.template`; the
    template itself never reads the notebook flag, so the page is the same."""
    net = Network()
    return net.templateEnv.get_template(net.path)


def render_html(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], height_px: int = 600) -> str:
    """A small HTML page drawing the network with the same-origin vis-network; drawn once, in place."""
    net = Network(height=f"{height_px}px", width="100%", directed=False, cdn_resources="remote")
    net.template = _pyvis_template()
    for node in nodes:
        net.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for edge in edges:
        net.add_edge(edge["from"], edge["to"], **{k: v for k, v in edge.items() if k not in ("from", "to")})
    # set_options replaces pyvis's option object, so it must come after everything else.
    net.set_options(json.dumps(graph_options()))
    html = strip_cdn(net.generate_html(notebook=True))
    html = html.replace("<head>", f'<head>\n        <script src="{VIS_NETWORK_URL}"></script>', 1)
    html = _DRAW_CALL.sub(lambda m: _GUARDED_DRAW + m.group(1), html, count=1)
    return html.replace("return network;", _MARK_DRAWN_JS, 1)


def neighbourhood_html(
    hood: Neighbourhood,
    agencies: Mapping[str, Agency | None],
    path_links: set[str] | frozenset[str] = frozenset(),
    label: LabelFn = default_label,
    height_px: int = 600,
) -> str:
    """The whole route from a neighbourhood to embeddable HTML."""
    return render_html(graph_nodes(hood, agencies, label), graph_edges(hood, path_links), height_px)
