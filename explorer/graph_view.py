"""Family graphs as pyvis networks: pure functions from domain records to nodes, edges and HTML.

Kept free of Streamlit so they are unit-tested directly (AppTest does not run the iframe's
JavaScript). The HTML is self-contained: vis-network is inlined (`cdn_resources="in_line"`) and
pyvis's Bootstrap links are stripped, so the graph renders on a closed network and the page makes
no outside request. Text reaches the page only through pyvis's `tojson` (which escapes `<`, `>`,
`&` and quotes) and vis-network draws labels and tooltips as text, so hostile names stay inert.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

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
_CDN_TAG = re.compile(
    r"<link\b[^>]*https?://[^>]*>|<script\b[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>",
    re.IGNORECASE | re.DOTALL,
)
_STOP_PHYSICS_JS = """
                  function lineageFreeze() {
                      network.setOptions({physics: {enabled: false}});
                      window.lineageStable = true;
                  }
                  network.once("stabilizationIterationsDone", lineageFreeze);
                  network.once("stabilized", lineageFreeze);
                  return network;"""

LabelFn = Callable[[Person], str]


def default_label(person: Person) -> str:
    return person.full_name or person.person_id


def node_colour(agency: Agency | str | None) -> str:
    """Fill colour of a node: the agency holding the person now (grey when none)."""
    key = agency.value if isinstance(agency, Agency) else agency
    return AGENCY_COLOURS.get(key, AGENCY_COLOURS[None])


def _ring_positions(hops: Mapping[str, int]) -> dict[str, tuple[float, float]]:
    """Person id → (x, y): the centre at the origin, each hop distance on its own ring.

    Computed here so the graph appears in place at once instead of settling for seconds.
    """
    rings: dict[int, list[str]] = {}
    for pid, h in sorted(hops.items(), key=lambda kv: (kv[1], kv[0])):
        rings.setdefault(h, []).append(pid)
    pos: dict[str, tuple[float, float]] = {}
    for h, ids in rings.items():
        for i, pid in enumerate(ids):
            angle = 2 * math.pi * i / max(len(ids), 1) + h * 0.4
            radius = RING_RADIUS * h
            pos[pid] = (round(radius * math.cos(angle), 1), round(radius * math.sin(angle), 1))
    return pos


def graph_nodes(
    hood: Neighbourhood,
    agencies: Mapping[str, Agency | None],
    label: LabelFn = default_label,
) -> list[dict[str, Any]]:
    """vis-network node dicts: colour by current custody agency, shape by role (child/adult/centre).

    A "+N more" node stands for relatives cut off by the query's limit.
    """
    pos = _ring_positions(hood.hops)
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
                "x": float(RING_RADIUS * far),
                "y": 0.0,
                "role": "more",
                "agency": None,
                "hops": far,
            }
        )
    return nodes


def edge_style(evidence: Evidence) -> dict[str, Any]:
    """Claimed links dashed and thin; verified ones solid, wider the stronger the evidence."""
    return {"dashes": evidence == Evidence.CLAIMED, "width": 1 + evidence.rank}


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


def graph_options(physics: bool = True) -> dict[str, Any]:
    """vis-network options: short stabilisation from the precomputed layout, readable labels."""
    return {
        "nodes": {"font": {"size": 16, "face": "sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"font": {"size": 12, "align": "middle"}, "smooth": False},
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "barnesHut": {"springLength": 160, "avoidOverlap": 0.3},
            "stabilization": {"enabled": True, "iterations": 120, "fit": True},
        },
        "interaction": {"hover": True, "tooltipDelay": 150},
    }


def strip_cdn(html: str) -> str:
    """Remove every <link>/<script src> pointing at a remote host (pyvis always adds Bootstrap)."""
    return _CDN_TAG.sub("", html)


def render_html(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], height_px: int = 600) -> str:
    """A self-contained HTML page drawing the network; physics stops once it has stabilised."""
    net = Network(height=f"{height_px}px", width="100%", directed=False, cdn_resources="in_line")
    for node in nodes:
        net.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for edge in edges:
        net.add_edge(edge["from"], edge["to"], **{k: v for k, v in edge.items() if k not in ("from", "to")})
    # set_options replaces pyvis's option object, so it must come after everything else.
    net.set_options(json.dumps(graph_options()))
    html = strip_cdn(net.generate_html(notebook=False))
    return html.replace("return network;", _STOP_PHYSICS_JS, 1)


def neighbourhood_html(
    hood: Neighbourhood,
    agencies: Mapping[str, Agency | None],
    path_links: set[str] | frozenset[str] = frozenset(),
    label: LabelFn = default_label,
    height_px: int = 600,
) -> str:
    """The whole route from a neighbourhood to embeddable HTML."""
    return render_html(graph_nodes(hood, agencies, label), graph_edges(hood, path_links), height_px)
