"""The pyvis builders, without Streamlit: nodes, edge styles, "+N more", escaping, no CDN."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment
from pytest import MonkeyPatch

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


def test_nodes_carry_role_colour_and_radial_positions() -> None:
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
    assert graph_view.edge_style(Evidence.INFERRED) == {"dashes": [2, 6], "width": 1}  # dotted, thin
    assert edges["PARENT_OF:M:K"]["width"] > edges["RELATIVE_OF:A:M"]["width"]
    assert edges["PARENT_OF:M:K"]["color"] != edges["RELATIVE_OF:A:M"]["color"]


def test_more_node_only_when_the_query_cut_relatives_off() -> None:
    assert MORE_NODE_ID not in {n["id"] for n in graph_nodes(_hood(0), {})}
    nodes = {n["id"]: n for n in graph_nodes(_hood(7), {})}
    assert nodes[MORE_NODE_ID]["label"] == "+7 more"
    outermost = max(math.hypot(n["x"], n["y"]) for pid, n in nodes.items() if pid != MORE_NODE_ID)
    assert nodes[MORE_NODE_ID]["x"] > outermost  # beyond the last ring, on no one's place
    assert any(e["to"] == MORE_NODE_ID for e in graph_edges(_hood(7)))


def test_html_is_self_contained_and_drawn_in_place() -> None:
    html = render_html(graph_nodes(_hood(3), {}), graph_edges(_hood(3)))
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", html, re.IGNORECASE)
    assert "cdn.jsdelivr" not in html and "cdnjs.cloudflare" not in html and "bootstrap" not in html.lower()
    assert f'<script src="{graph_view.VIS_NETWORK_URL}"></script>' in html  # same origin, cached
    assert len(html) < 50_000  # the library is not inlined
    assert "vis.Network" in html and "window.lineageStable = true" in html
    assert '"physics": {"enabled": false}' in html  # our options survived (set_options ran last)
    assert {n["id"] for n in _dataset(html, "nodes")} == {"K", "M", "A", MORE_NODE_ID}


def test_the_template_is_compiled_once_and_renders_what_pyvis_would(monkeypatch: MonkeyPatch) -> None:
    """Renders reuse one compiled template (pyvis recompiles it per call in its default mode),
    and the page is the one pyvis's own default mode makes from the same network."""
    from pyvis.network import Network

    nodes, edges = graph_nodes(_hood(3), {"K": Agency.ORR}), graph_edges(_hood(3))
    render_html(nodes, edges)  # the template compiled, if no test did it before
    built: list[Network] = []
    monkeypatch.setattr(Network, "generate_html", _spy(Network.generate_html, built))
    monkeypatch.setattr(Environment, "compile", _forbidden)
    render_html(nodes, edges)
    monkeypatch.undo()
    (net,) = built
    assert Network.generate_html(net, notebook=True) == Network.generate_html(net, notebook=False)


def _spy(method: Callable[..., str], built: list[Any]) -> Callable[..., str]:
    def spied(net: Any, *args: Any, **kwargs: Any) -> str:
        built.append(net)
        return method(net, *args, **kwargs)

    return spied


def _forbidden(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the pyvis template was compiled again")


def test_the_served_library_is_pyvis_own_copy() -> None:
    """explorer/static holds the vis-network that pyvis would inline, byte for byte."""
    import pyvis

    shipped = Path(graph_view.__file__).parent / "static" / graph_view.VIS_NETWORK_JS
    pyvis_copy = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"
    assert shipped.read_bytes() == pyvis_copy.read_bytes()


def test_radial_layout_keeps_branches_apart_and_spreads_crowded_rings() -> None:
    """Each relative sits within its branch's angle; a crowded ring grows so neighbours keep apart."""
    kids = [Person(person_id=f"C{i:03d}", given_names="C", surnames=str(i)) for i in range(120)]
    centre = Person(person_id="K", given_names="K", surnames="K", is_child=True)
    parents = [Person(person_id=p, given_names=p, surnames=p) for p in ("M", "D")]
    links = [FamilyLink(kind=FamilyKind.PARENT_OF, from_id=p.person_id, to_id="K", evidence=Evidence.DNA)
             for p in parents]
    links += [FamilyLink(kind=FamilyKind.RELATIVE_OF, from_id=("M", "D")[i % 2], to_id=k.person_id,
                         evidence=Evidence.CLAIMED) for i, k in enumerate(kids)]
    hops = {"K": 0, "M": 1, "D": 1, **{k.person_id: 2 for k in kids}}
    hood = Neighbourhood(center_id="K", persons=[centre, *parents, *kids], links=links, hops=hops)
    pos = {n["id"]: (n["x"], n["y"]) for n in graph_nodes(hood, {})}
    angle = {pid: math.atan2(y, x) for pid, (x, y) in pos.items()}
    ring2 = math.hypot(*pos["C000"])
    assert ring2 > 2 * graph_view.RING_RADIUS  # 120 persons need a wider ring than the default
    assert all(abs(math.hypot(*pos[k.person_id]) - ring2) < 1 for k in kids)
    for parent, side in (("M", 0), ("D", 1)):  # a parent's relatives lie on the parent's side
        own = [angle[k.person_id] for i, k in enumerate(kids) if i % 2 == side]
        assert all(math.cos(a - angle[parent]) > 0 for a in own)
    ring = [pos[k.person_id] for k in sorted(kids, key=lambda k: angle[k.person_id])]
    assert min(math.dist(a, b) for a, b in zip(ring, ring[1:], strict=False)) > 0.9 * graph_view.NODE_GAP


def test_hostile_names_reach_the_page_only_as_escaped_json() -> None:
    hood = Neighbourhood(center_id=HOSTILE[0].person_id, persons=HOSTILE, links=[],
                         hops={p.person_id: i for i, p in enumerate(HOSTILE)})
    html = render_html(graph_nodes(hood, {}), [])
    assert "<script>alert" not in html and "<b>Bold" not in html
    labels = {n["label"] for n in _dataset(html, "nodes")}
    assert labels == {p.full_name for p in HOSTILE}  # intact as data, inert as markup
