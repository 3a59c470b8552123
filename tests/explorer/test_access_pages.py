"""Every page × every role through AppTest on both engines, and the audit log the clicks leave.

Pages run as `lineage explore --role R` would start them (local mode) or, for the sign-in tests,
with an `[auth]` section and a signed-in `st.user`. What a role is shown is compared with what
`graph/` returns for that role; an analyst's rendered elements are searched for every name and
identifier of the scenario, whatever deep link was used.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from google.protobuf.text_format import MessageToString
from streamlit import config
from streamlit.testing.v1 import AppTest

from explorer.nav import PAGES, ROLE_PAGES
from explorer.signin import ROLE_ENV, USER_ENV
from graph.access import Principal, Pseudonymizer, Role, SecuredGraph
from graph.audit import AuditEntry, AuditLog
from graph.model import LinkStatus
from graph.store import GraphStore
from tests.contract.scenario import KID1, KID3, MOM, scenario
from tests.explorer.conftest import APP, HOSTILE, LOCAL_USER

CLAIM = f"PARENT_OF:P-CLAIMMOM:{KID3}"
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only-cookie-secret",
        "client_id": "lineage-test", "client_secret": "test-only-client-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def as_role(monkeypatch: pytest.MonkeyPatch, role: Role, user: str = LOCAL_USER) -> None:
    monkeypatch.setenv(ROLE_ENV, role.value)
    monkeypatch.setenv(USER_ENV, user)


def open_page(name: str, at: AppTest | None = None, **params: str) -> AppTest:
    """Run one page as a deep link `/<page>?k=v` would, in a fresh session unless `at` is given."""
    at = AppTest.from_file(str(APP), default_timeout=60) if at is None else at
    at.query_params.update(params)  # widgets bound to them read them on their first run
    at.run()  # st.navigation registers the role's pages on the first run
    if at.title and at.title[0].value == PAGES[name].title:
        return at  # the role's default page, already run with the parameters
    at.switch_page(f"views/{PAGES[name].file}")
    at.query_params.update(params)
    return at.run()


def nodes(at: AppTest) -> Iterator[object]:
    def walk(node: object) -> Iterator[object]:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    for root in at._tree.children.values():
        yield from walk(root)


def rendered(at: AppTest) -> str:
    """Everything the page sent to the browser: element protos as text, tables as CSV; not the
    text boxes, which hold what the user typed (an analyst may type a name; it is refused)."""
    parts = []
    for node in nodes(at):
        kind = getattr(node, "type", "")
        if kind == "text_input":
            continue
        if kind == "dataframe":
            parts.append(node.value.to_csv())
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            parts.append(MessageToString(proto, as_utf8=True))
    return "\n".join(parts)


def secrets_of_the_scenario() -> set[str]:
    """Every name token, identifier, person id and source record key of the scenario."""
    found: set[str] = set()
    batch = scenario()
    for p in [*batch.persons, *HOSTILE]:
        found |= {t for t in f"{p.given_names} {p.surnames}".split() if len(t) >= 4}
        found |= {p.person_id, *(i.split(":", 1)[-1] for i in p.identifiers)}
        found |= {p.a_number} if p.a_number else set()
        found |= {v for v in p.name_variants if v}
    found |= {r.record_key for r in batch.source_records}
    return found


def leaks(at: AppTest) -> set[str]:
    text = rendered(at)
    return {s for s in secrets_of_the_scenario() if s in text}


def pseudonym(audit_file: Path, person_id: str) -> str:
    """The analyst's pseudonym of a person under this test's key (beside its audit log)."""
    return Pseudonymizer.for_log(AuditLog(audit_file)).token("person", person_id)


def table(at: AppTest, *columns: str) -> object:
    """The first table whose columns include `columns` (plain tables have no widget key)."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def entries(audit_file: Path, action: str | None = None) -> list[AuditEntry]:
    return AuditLog(audit_file).entries(action=action)


# ----------------------------------------------------------------------------- every page × role
@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ANALYST, Role.ADMIN])
def test_every_page_of_each_role_renders_with_the_local_mode_banner(
    app_store: GraphStore, audit_file: Path, monkeypatch: pytest.MonkeyPatch, role: Role
) -> None:
    as_role(monkeypatch, role)
    person = pseudonym(audit_file, KID1) if role is Role.ANALYST else KID1
    for name in ROLE_PAGES[role]:
        at = open_page(name, person=person)
        assert not at.exception, (name, [e.value for e in at.exception])
        assert not at.error, (name, [e.value for e in at.error])
        assert at.title[0].value.startswith(PAGES[name].title.split(" ")[0])
        assert any(i.value.startswith("Local mode: no sign-in.") and role.value in i.value for i in at.info)


@pytest.mark.parametrize("role", list(Role))
def test_menu_holds_only_the_roles_pages(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, role: Role
) -> None:
    as_role(monkeypatch, role)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    for name, spec in PAGES.items():
        if name in ROLE_PAGES[role]:
            continue
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"views/{spec.file}")


def test_trainer_sees_masked_synthetic_data_only(
    synthetic_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_role(monkeypatch, Role.TRAINER)
    at = open_page("trainer", person=KID1)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.subheader[0].value.startswith("Step 1 of")
    frame = next(e for e in at.main if getattr(e, "type", "") == "iframe")
    text = rendered(at) + frame.proto.srcdoc
    names = {t for p in scenario().persons for t in p.full_name.split() if len(t) >= 4}
    assert not {n for n in names if n in text}


def test_trainer_is_refused_on_real_records(app_store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    as_role(monkeypatch, Role.TRAINER)
    at = open_page("trainer", person=KID1)
    assert any("synthetic data only" in e.value for e in at.error)
    assert not at.dataframe and not [e for e in at.main if getattr(e, "type", "") == "iframe"]


# ------------------------------------------------------------------------------------ analyst
DEEP_LINKS = [
    ("find", {"q": "ximena hernandes"}),
    ("find", {"q": "A-000-000-001"}),
    ("find", {"q": "P-KID1"}),
    ("graph", {"person": KID1, "hops": "3", "to": "P-XSS", "item": f"PARENT_OF:{MOM}:{KID1}"}),
    ("timeline", {"person": MOM, "hops": "2"}),
    ("analyst", {"on": "2018-06-20", "reasons": "no_parent_link"}),
]


@pytest.mark.parametrize(("name", "params"), DEEP_LINKS)
def test_no_deep_link_gets_an_analyst_a_name_or_identifier(
    app_store: GraphStore, monkeypatch: pytest.MonkeyPatch, name: str, params: dict[str, str]
) -> None:
    as_role(monkeypatch, Role.ANALYST)
    at = open_page(name, **params)
    assert not at.exception, [e.value for e in at.exception]
    assert not leaks(at)


def test_an_analyst_follows_a_child_by_pseudonym_on_every_page(
    app_store: GraphStore, audit_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_role(monkeypatch, Role.ANALYST)
    kid = pseudonym(audit_file, KID1)
    hood = app_store.relatives(KID1, hops=2)
    found = open_page("find", q=kid)
    assert list(found.dataframe[0].value["person_id"]) == [kid]
    assert not {"name", "A-number"} & set(found.dataframe[0].value.columns)
    graph = open_page("graph", person=kid, hops="2")
    assert len(graph.dataframe[0].value) == len(hood.persons)
    assert set(graph.dataframe[0].value["person_id"]) == {pseudonym(audit_file, p.person_id)
                                                          for p in hood.persons}
    assert not graph.get("download_button")  # the case report is case work
    timeline = open_page("timeline", person=kid, hops="1", date="2018-06-20")
    where = timeline.dataframe[0].value
    assert "name" not in where.columns and kid in set(where["person_id"])
    for at in (found, graph, timeline):
        assert not leaks(at)


def test_analyst_tables_match_what_graph_returns_to_an_analyst(
    app_store: GraphStore, audit_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_role(monkeypatch, Role.ANALYST)
    at = open_page("analyst", on="2018-06-20")
    at.toggle(key="census_list").set_value(True).run()
    secured = SecuredGraph(app_store, Principal("local:check", Role.ANALYST), AuditLog(audit_file))
    orphans = secured.orphaned_children()
    shown = table(at, "reasons")
    assert list(shown.columns) == ["person_id", "country", "reasons"]
    assert set(shown["person_id"]) == {o.child.person_id for o in orphans}
    census = table(at, "separated_on")
    assert set(census["person_id"]) == {r.person.person_id for r in secured.separated_not_reunified(
        date(2018, 6, 20))}
    assert not leaks(at)


# -------------------------------------------------------------------------------- audit log
def test_one_search_entry_per_search_not_per_rerun(
    app_store: GraphStore, audit_file: Path
) -> None:
    at = open_page("find", q="ximena hernandes")
    assert len(table(at, "matched on")) > 0
    at.run()
    at.run()
    searches = entries(audit_file)
    assert [(e.action, e.who, e.role, e.parameters["text"]) for e in searches] == [
        ("search", LOCAL_USER, "caseworker", "ximena hernandes")], "one entry: the search and its table"
    hits = app_store.search_persons("ximena hernandes", 20)
    assert searches[0].result_count == len(hits)
    assert set(searches[0].shown) == {h.person.person_id for h in hits}
    assert searches[0].parameters["page"] == "Find a person"


def test_one_view_entry_per_page_view_naming_every_person_shown(
    app_store: GraphStore, audit_file: Path
) -> None:
    at = open_page("graph", person=KID1, hops="2")
    [view] = entries(audit_file)
    family = {p.person_id for p in app_store.relatives(KID1, hops=2).persons}
    assert (view.action, view.target, view.who, view.parameters["page"]) == (
        "view", KID1, LOCAL_USER, "Family graph")
    assert view.parameters["params"]["person"] == KID1  # the URL (a default hops is left out of it)
    assert {"get_person", "relatives", "custody_chains"} <= set(
        view.parameters["operations"])
    assert set(view.shown) == family, "every relative drawn is in the one entry"
    at.run()
    assert len(entries(audit_file)) == 1, "a re-run of the same view adds none"
    at.slider(key="hops").set_value(1).run()
    [again] = entries(audit_file)[1:]
    assert again.action == "view" and {"operation": "relatives", "hops": 1} in [
        {k: r[k] for k in ("operation", "hops") if k in r} for r in again.parameters["reads"]]
    at.slider(key="hops").set_value(2).run()
    assert len(entries(audit_file)) == 2, "back to a view this session has logged: nothing new to log"
    open_page("timeline", person=KID1)  # a new session, a new view
    views = entries(audit_file)
    assert len(views) == 3 and views[-1].parameters["page"] == "Custody timeline"
    assert KID1 in views[-1].shown


def test_one_export_entry_per_download(app_store: GraphStore, audit_file: Path) -> None:
    """Files built from what the page shows; the orphan list built on click (Streamlit's deferred
    download, which AppTest does not run) is checked in a real browser (test_admin_browser.py)."""
    at = open_page("analyst", on="2018-06-20")
    at.toggle(key="census_list").set_value(True).run()
    rows = len(table(at, "separated_on"))
    before = len(entries(audit_file))
    assert entries(audit_file, "export") == []
    at.download_button(key="census_csv").click().run()
    added = [(e.action, e.parameters["what"], e.result_count, e.who) for e in entries(audit_file)[before:]]
    assert added == [("export", "census", rows, LOCAL_USER)], "one entry: the click's, nothing else"
    at.run()
    assert len(entries(audit_file, "export")) == 1
    report = open_page("graph", person=KID1, hops="1")
    report.toggle(key="report").set_value(True).run()
    before = len(entries(audit_file))
    report.download_button(key="report_csv").click().run()
    assert [e.parameters["what"] for e in entries(audit_file)[before:]] == ["case report csv"]


def test_one_review_entry_per_decision_with_the_principal_as_reviewer(
    review_history_of, audit_file: Path
) -> None:
    at = open_page("review", target=CLAIM)
    at.text_area(key="reason").input("DNA result confirms parentage")
    at.button(key="confirm").click().run()
    assert not at.error, [e.value for e in at.error]
    reviews = entries(audit_file, "review")
    assert [(e.who, e.target, e.parameters["decision"]) for e in reviews] == [
        (LOCAL_USER, CLAIM, LinkStatus.CONFIRMED.value)]
    assert [r.reviewer for r in review_history_of(CLAIM)] == [LOCAL_USER]


# ------------------------------------------------------------------------------------- admin
def test_admin_answers_who_viewed_a_child_and_exports_the_log(
    app_store: GraphStore, audit_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_role(monkeypatch, Role.CASEWORKER, "local:ana")
    open_page("timeline", person=KID1)
    as_role(monkeypatch, Role.ADMIN, "local:boss")
    at = open_page("admin", who_viewed=KID1)
    assert any("intact" in s.value for s in at.success)
    viewers = table(at, "who", "when")
    assert ("local:ana", "caseworker") in set(zip(viewers["who"], viewers["role"], strict=True))
    assert set(viewers["what"]) >= {"view"}
    at.toggle(key="audit_export").set_value(True).run()
    at.download_button(key="audit_csv").click().run()
    assert [e.parameters["what"] for e in entries(audit_file, "export")] == ["audit log"]


def test_admin_page_shows_a_tampered_log(app_store: GraphStore, audit_file: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    open_page("timeline", person=KID1)
    lines = audit_file.read_text().splitlines(keepends=True)
    first = json.loads(lines[0])
    first["who"] = "someone-else"
    lines[0] = json.dumps(first) + "\n"
    audit_file.write_text("".join(lines))
    as_role(monkeypatch, Role.ADMIN)
    at = open_page("admin")
    assert any("altered: entry 1 is broken" in e.value for e in at.error)


@pytest.mark.parametrize("address", [None, "0.0.0.0", "10.1.2.3"])
def test_local_mode_shows_nothing_beyond_loopback(app_env: Path, address: str | None) -> None:
    """A hand-made `streamlit run --server.address …` without [auth] gets a refusal, no data."""
    config.set_option("server.address", address)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["q"] = "ximena"
    at.run()
    assert any("will not serve" in e.value for e in at.error)
    assert not at.dataframe and not at.text_input and not leaks(at)


def test_local_mode_needs_a_role_from_the_command_line(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ROLE_ENV)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert any("no local role was given" in e.value for e in at.error) and not at.text_input


# ----------------------------------------------------------------------------------- sign-in
def signed_in(user: dict | None, mapping: Path, **lineage: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["lineage"] = {"role_mapping": str(mapping), **lineage}
    at.user = {"is_logged_in": False} if user is None else {"is_logged_in": True, **user}
    return at


def test_signed_out_user_sees_only_the_login_button(app_env: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ROLE_ENV)  # with [auth] the local role is not used anyway
    at = signed_in(None, tmp_path / "roles.json").run()
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.dataframe and not at.info and not leaks(at)


@pytest.mark.parametrize(("claims", "expected"), [
    ({"sub": "cw1", "email": "cw1@agency.example", "role": "caseworker"}, Role.CASEWORKER),
    ({"sub": "an1", "email": "an1@agency.example", "role": ["staff", "analyst"]}, Role.ANALYST),
    ({"sub": "ad1", "email": "ad1@agency.example", "role": "admin"}, Role.ADMIN),
])
def test_the_role_comes_from_the_token_claim(app_store: GraphStore, tmp_path: Path, claims: dict,
                                             expected: Role) -> None:
    at = signed_in(claims, tmp_path / "roles.json").run()
    assert not at.exception and not at.error
    assert any(c.value == f"Signed in: {claims['email']} ({expected.value})" for c in at.sidebar.caption)
    assert [b.label for b in at.sidebar.button] == ["Log out"]
    for name, spec in PAGES.items():
        if name not in ROLE_PAGES[expected]:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(f"views/{spec.file}")


def test_a_configured_claim_name_and_the_admins_mapping_decide_the_role(
    app_store: GraphStore, tmp_path: Path
) -> None:
    mapping = tmp_path / "roles.json"
    user = {"sub": "u7", "email": "Ana@Agency.example", "groups": "caseworker"}
    at = signed_in(user, mapping, role_claim="groups").run()
    assert any(c.value.endswith("(caseworker)") for c in at.sidebar.caption)
    mapping.write_text(json.dumps({"ana@agency.example": "analyst"}))  # an admin demotes her
    at.run()
    assert any(c.value.endswith("(analyst)") for c in at.sidebar.caption)


def test_an_unknown_user_gets_no_data_only_a_message(app_store: GraphStore, tmp_path: Path) -> None:
    at = signed_in({"sub": "x9", "email": "stranger@example.org"}, tmp_path / "roles.json")
    at.query_params["q"] = "ximena hernandes"
    at.run()
    assert any("has no role in the explorer" in w.value for w in at.warning)
    assert not at.dataframe and not at.text_input and not leaks(at)
    assert [b.label for b in at.sidebar.button] == ["Log out"]


def test_admin_saves_the_role_mapping_and_the_change_is_audited(
    app_store: GraphStore, tmp_path: Path, audit_file: Path
) -> None:
    mapping = tmp_path / "roles.json"
    mapping.write_text(json.dumps({"ad1": "admin", "cw2@agency.example": "caseworker"}))
    at = signed_in({"sub": "ad1", "email": "ad1@agency.example"}, mapping)
    at = open_page("admin", at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    editor = at.data_editor(key="roles").value
    assert dict(zip(editor["subject or e-mail"], editor["role"], strict=True)) == {
        "ad1": "admin", "cw2@agency.example": "caseworker"}
    at.button(key="save_roles").click().run()
    assert json.loads(mapping.read_text()) == {"ad1": "admin", "cw2@agency.example": "caseworker"}
    saved = entries(audit_file, "role mapping")
    assert [(e.who, e.result_count) for e in saved] == [("ad1", 2)]


def test_the_leak_check_sees_what_a_caseworker_is_shown(app_store: GraphStore) -> None:
    """The analyst checks above would pass on an empty page; this shows they read the page."""
    at = open_page("graph", person=KID1, hops="3", to="P-XSS", item=f"PARENT_OF:{MOM}:{KID1}")
    assert {KID1, MOM, "Ximena"} <= leaks(at)


def decide(at: AppTest, button: str, reason: str) -> AppTest:
    at.text_area(key="reason").input(reason)
    return at.button(key=button).click().run()


def test_only_an_admin_overrides_an_earlier_decision(
    review_history_of, audit_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decide(open_page("review", target=CLAIM), "confirm", "DNA result confirms parentage")
    again = decide(open_page("review", target=CLAIM), "reject", "second thoughts")
    assert any("only an admin can override" in e.value for e in again.error)
    as_role(monkeypatch, Role.ADMIN, "local:boss")
    done = decide(open_page("review", target=CLAIM), "reject", "court order 2018-09-01")
    assert not done.error, [e.value for e in done.error]
    assert [(r.decision, r.reviewer) for r in review_history_of(CLAIM)] == [
        (LinkStatus.CONFIRMED, LOCAL_USER), (LinkStatus.REJECTED, "local:boss")]
    assert [e.who for e in entries(audit_file, "review")] == [LOCAL_USER, "local:boss"]
    assert [e.who for e in entries(audit_file, "denied")] == [LOCAL_USER]
