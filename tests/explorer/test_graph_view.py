"""The pyvis builders, without Streamlit: nodes, edge styles, "+N more", escaping, no CDN."""

from __future__ import annotations

import json
import re

from explorer import graph_view
from explorer.graph_view import MORE_NODE_ID, graph_edges, graph_nodes, render_html
from graph.model import Agency, Evidence, FamilyKind, FamilyLink, Neighbourhood, Person
from tests.explorer.conftest import HOSTILE


def _hood(more: int = 0) -> Neighbourhood:
    kid = Person(person_id="K", given_names="Ximena", surnames="Hernández", is_child=True)
    mom = Person(person_id="M", given_names="María", surnames="López")
    aunt = Person(person_id="A", given_names="Carmen", surnames="López")
    links = [
        FamilyLink(kind=FamilyKind.PARENT_OF, from_id="M", to_id="K", evidence=Evidence.DNA),
        FamilyLink(kind=FamilyKind.RELATIVE_OF, from_id="M", to_id="A", evidence=Evidence.CLAIMED),
    ]
    return Neighbourhood(center_id="K", persons=[kid, mom, aunt], links=links,
                         hops={"K": 0, "M": 1, "A": 2}, more=more)


def _dataset(html: str, name: str) -> list[dict]:
    """The JSON handed to `new vis.DataSet(...)` for nodes or edges, as the browser will parse it."""
    match = re.search(rf"{name} = new vis\.DataSet\((\[.*?\])\);", html, re.DOTALL)
    assert match, f"no {name} DataSet in the HTML"
    return json.loads(match.group(1))


def test_nodes_carry_role_colour_and_ring_positions() -> None:
    nodes = {n["id"]: n for n in graph_nodes(_hood(), {"K": Agency.ORR, "M": Agency.ICE, "A": None})}
    assert set(nodes) == {"K", "M", "A"}
    assert nodes["K"]["shape"] == "star" and nodes["M"]["shape"] == "square"
    assert nodes["K"]["color"] == graph_view.AGENCY_COLOURS["ORR"]
    assert nodes["M"]["color"] == graph_view.AGENCY_COLOURS["ICE"]
    assert nodes["A"]["color"] == graph_view.AGENCY_COLOURS[None]
    assert (nodes["K"]["x"], nodes["K"]["y"]) == (0.0, 0.0)
    assert abs((nodes["A"]["x"] ** 2 + nodes["A"]["y"] ** 2) ** 0.5 - 2 * graph_view.RING_RADIUS) < 1


def test_claimed_edges_dashed_verified_solid_and_path_highlighted() -> None:
    hood = _hood()
    edges = {e["id"]: e for e in graph_edges(hood, {"PARENT_OF:M:K"})}
    assert edges["PARENT_OF:M:K"]["dashes"] is False and edges["PARENT_OF:M:K"]["arrows"] == "to"
    assert edges["RELATIVE_OF:A:M"]["dashes"] is True
    assert edges["PARENT_OF:M:K"]["width"] > edges["RELATIVE_OF:A:M"]["width"]
    assert edges["PARENT_OF:M:K"]["color"] != edges["RELATIVE_OF:A:M"]["color"]


def test_more_node_only_when_the_query_cut_relatives_off() -> None:
    assert MORE_NODE_ID not in {n["id"] for n in graph_nodes(_hood(0), {})}
    nodes = {n["id"]: n for n in graph_nodes(_hood(7), {})}
    assert nodes[MORE_NODE_ID]["label"] == "+7 more"
    assert any(e["to"] == MORE_NODE_ID for e in graph_edges(_hood(7)))


def test_html_is_self_contained_and_freezes_physics() -> None:
    html = render_html(graph_nodes(_hood(3), {}), graph_edges(_hood(3)))
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", html, re.IGNORECASE)
    assert "cdn.jsdelivr" not in html and "cdnjs.cloudflare" not in html and "bootstrap" not in html.lower()
    assert "vis.Network" in html and "vis-network" in html  # the library is inlined
    assert "network.setOptions({physics: {enabled: false}})" in html
    assert '"stabilization": {"enabled": true' in html  # our options survived (set_options ran last)
    assert {n["id"] for n in _dataset(html, "nodes")} == {"K", "M", "A", MORE_NODE_ID}


def test_hostile_names_reach_the_page_only_as_escaped_json() -> None:
    hood = Neighbourhood(center_id=HOSTILE[0].person_id, persons=HOSTILE, links=[],
                         hops={p.person_id: i for i, p in enumerate(HOSTILE)})
    html = render_html(graph_nodes(hood, {}), [])
    assert "<script>alert" not in html and "<b>Bold" not in html
    labels = {n["label"] for n in _dataset(html, "nodes")}
    assert labels == {p.full_name for p in HOSTILE}  # intact as data, inert as markup
