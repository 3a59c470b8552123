"""Benchmark: person resolution and parent–child links against the synthetic scenario's truth.

Usage:
    .venv/bin/python bench/linkage.py                   # 2,000 families, noise x1 and x2, both engines
    .venv/bin/python bench/linkage.py --families 20000  # larger
    .venv/bin/python bench/linkage.py --noise 1         # default noise only
    .venv/bin/python bench/linkage.py --engines ladybug # the graph part on one engine (none: skip it)

For each noise level (every `MessRates` rate multiplied), generates a scenario, reads it through
the loader registry, and resolves the mentions three ways in the same run (and says, for ours,
between which kinds of mention the missed true pairs are):

- ids only: exact normalised A-number / agency id (what `lineage load` does, `loaders.identity`);
- plain Splink: a default configuration (names, DOB, sex, country; Splink's own comparisons,
  blocking and connected components at 0.99), no project rules; and the same joined with the
  ids-only merges ("ids + plain"), so the gain of the project's rules is measured on equal footing;
- ours: `loaders.linkage` (A-number first, Spanish rules, either surname, family context, two
  EM-trained passes, constrained clustering).

Then, on each engine (`--engines`, default both), the whole path a user runs: `lineage load`
of the files into a fresh store and `lineage resolve` (`loaders.linkage.apply.resolve_store`),
and measures on the *resolved graph*: pairwise person precision / recall / F1 of the persons
written, and precision / recall of its PARENT_OF links against the true parent–child pairs (a
link is right when its parent person is truly the parent of its child person; recall counts the
true pairs whose two people appear in some record). Neo4j is a private server started for the
run (`graph.neo4j.launcher`, the jars cached by `make test`).

Prints time and peak memory (RSS) of this process (a Neo4j server's memory is its own).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from splink import SettingsCreator, block_on  # noqa: E402
from splink import comparison_library as cl  # noqa: E402

from graph.model import Evidence, FamilyKind, LinkStatus  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from loaders.linkage import model as linkage_model  # noqa: E402
from loaders.linkage.apply import resolve_store  # noqa: E402
from loaders.linkage.cluster import PAIR_COLUMNS, Thresholds, decide  # noqa: E402
from loaders.linkage.evaluate import (  # noqa: E402
    LinkScores,
    PairScores,
    missed_pairs,
    pairwise,
    parent_child,
    person_truth,
    stated_parent_links,
    true_parent_links,
    true_persons,
)
from loaders.linkage.mentions import mentions_frame, read_records  # noqa: E402
from loaders.linkage.resolve import resolve_mentions  # noqa: E402
from loaders.pipeline import load_paths  # noqa: E402
from loaders.records import RecordFacts  # noqa: E402
from loaders.synth import MessRates, SynthConfig, generate  # noqa: E402
from loaders.synth.exports import TRUTH_FILE  # noqa: E402
from loaders.synth.manifest import MANIFEST_FILE  # noqa: E402

DATA_SUFFIXES = (".csv", ".json", ".xlsx")


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scenario_files(directory: Path) -> list[Path]:
    skip = (TRUTH_FILE, MANIFEST_FILE)
    return sorted(p for p in directory.iterdir() if p.suffix in DATA_SUFFIXES and p.name not in skip)


def plain_splink(frame: pd.DataFrame) -> pd.Series:
    """Splink as a newcomer would configure it: lower-cased names, library comparisons, no rules."""
    plain = pd.DataFrame(
        {
            "unique_id": frame["unique_id"],
            "first_name": frame["given_names"].str.lower(),
            "surname": frame["surnames"].str.lower(),
            "dob": frame["dob"],
            "sex": frame["sex"],
            "country": frame["country"],
        }
    )
    plain_settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("country"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("first_name", "dob"),
            block_on("surname", "dob"),
        ],
    )
    model = linkage_model.train(
        plain, plain_settings, em_rules=(block_on("first_name", "surname"), block_on("dob"))
    )
    predictions = model.linker.inference.predict(threshold_match_probability=0.5)
    clusters = model.linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.99)
    result = clusters.as_pandas_dataframe()
    return pd.Series(result["cluster_id"].to_numpy(), index=result["unique_id"].to_numpy()).sort_index()


def joined(a: pd.Series, b: pd.Series) -> pd.Series:
    """The finest clustering containing both `a` and `b` (union of their merges)."""
    parent = {i: i for i in a.index}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for labels in (a, b):
        first: dict[object, int] = {}
        for uid, label in labels.items():
            ra, rb = find(uid), find(first.setdefault(label, uid))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return pd.Series({uid: find(uid) for uid in a.index})


def row(name: str, scores: PairScores, seconds: float) -> str:
    return (
        f"  {name:<14} precision {scores.precision:.4f}  recall {scores.recall:.4f}  F1 {scores.f1:.4f}"
        f"  {seconds:7.1f} s  peak {peak_mb():7.0f} MB"
    )


def link_row(name: str, scores: LinkScores, seconds: float) -> str:
    return (
        f"  {name:<14} parent-child precision {scores.precision:.4f} ({scores.correct_links}/"
        f"{scores.predicted_links})  recall {scores.recall:.4f} ({scores.found_links}/{scores.true_links};"
        f" of pairs a record states: {scores.recall_of_stated:.4f} of {scores.stated_links})"
        f"  {seconds:7.1f} s  peak {peak_mb():7.0f} MB"
    )


def open_engine(name: str, workdir: Path) -> GraphStore:
    """A fresh, empty store of engine `name` (`ladybug` or `neo4j`)."""
    if name == "ladybug":
        from graph.ladybug.store import LadybugStore

        store: GraphStore = LadybugStore(workdir / "bench.lbug")
    else:
        from graph.neo4j.launcher import ensure_test_server
        from graph.neo4j.store import Neo4jStore

        store = Neo4jStore.connect(*ensure_test_server(workdir.parent / "neo4j"))
    store.init_schema()
    store.clear()
    return store


def on_graph(engine: str, files: list[Path], truth_file: Path, workdir: Path) -> None:
    """Load and resolve into a fresh store, then score the persons and PARENT_OF links it holds."""
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open_engine(engine, workdir) as store:
        load_paths(files, store, ledger_path=workdir / "ledger.sqlite", quiet=True)
        loaded_s = time.perf_counter() - started
        report = resolve_store(store, ledger_path=workdir / "ledger.sqlite", model_dir=workdir / "linkage")
        links = [
            (x.from_id, x.to_id, x.evidence)
            for x in store.family_links([FamilyKind.PARENT_OF])
            if x.status != LinkStatus.REJECTED
        ]
    seconds = time.perf_counter() - started
    truth = true_persons(report.frame, truth_file)
    stated = stated_parent_links([RecordFacts.of(r) for r in read_records(files)], report.frame, truth)
    truth_of, true_links = person_truth(report.person_of, truth), true_parent_links(truth_file)
    print(row(f"graph {engine}", pairwise(report.person_of, truth), seconds) + f"  (load {loaded_s:.1f} s)")
    # Every link the graph holds, then without the inferred ones (what the explorer draws by
    # default), then the inferred ones alone (what a reviewer is asked to confirm).
    for name, keep in (
        ("all links", lambda e: True),
        ("stated links", lambda e: e != Evidence.INFERRED),
        ("inferred only", lambda e: e == Evidence.INFERRED),
    ):
        chosen = [(a, b) for a, b, e in links if keep(e)]
        print(link_row(name, parent_child(chosen, truth_of, true_links, set(truth), stated), seconds))


def run(families: int, seed: int, noise: float, workdir: Path, engines: list[str]) -> None:
    out = workdir / f"noise{noise:g}"
    cfg = SynthConfig(families=families, seed=seed, rates=MessRates().scaled(noise))
    generate(out, cfg)
    started = time.perf_counter()
    frame = mentions_frame(read_records(scenario_files(out)))
    read_s = time.perf_counter() - started
    truth = true_persons(frame, out / TRUTH_FILE)
    print(
        f"noise x{noise:g}: {families} families, {len(frame)} mentions, {truth.nunique()} true persons, "
        f"{pairwise(truth, truth).true_pairs} true pairs (read {read_s:.1f} s)"
    )
    started = time.perf_counter()
    ids_only = decide(frame, pd.DataFrame(columns=PAIR_COLUMNS))
    print(row("ids only", pairwise(ids_only.person_of, truth), time.perf_counter() - started))
    started = time.perf_counter()
    plain = plain_splink(frame)
    plain_s = time.perf_counter() - started
    print(row("plain Splink", pairwise(plain, truth), plain_s))
    print(row("ids + plain", pairwise(joined(ids_only.person_of, plain), truth), plain_s))
    started = time.perf_counter()
    ours = resolve_mentions(frame, Thresholds(), model_dir=out / "models")
    print(row("ours", pairwise(ours.decisions.person_of, truth), time.perf_counter() - started))
    report = ours.decisions.report
    print(
        f"  ours: {report.persons} persons, {report.probabilistic_merges} probabilistic merges, "
        f"{report.possible_matches} possible matches for review, largest cluster {report.largest_cluster}, "
        f"refused merges {dict(report.refused)}"
    )
    missed = missed_pairs(frame, ours.decisions.person_of, truth)
    print(f"  ours: {missed.sum()} true pairs missed; the most by kinds of mention:")
    for (kind, other), n in missed.head(6).items():
        print(f"    {n:6d}  {kind} / {other}")
    for engine in engines:
        on_graph(engine, scenario_files(out), out / TRUTH_FILE, workdir / f"noise{noise:g}-{engine}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--families", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", type=float, nargs="+", default=[1.0, 2.0], help="MessRates multipliers")
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here (default: a temp dir)")
    parser.add_argument(
        "--engines",
        nargs="*",
        default=["ladybug", "neo4j"],
        choices=["ladybug", "neo4j"],
        help="load + resolve into these engines and score the resolved graph (none: skip)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="linkage-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        for noise in args.noise:
            run(args.families, args.seed, noise, workdir, args.engines)


if __name__ == "__main__":
    main()
