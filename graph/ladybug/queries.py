"""Every Cypher statement of the LadybugDB engine, as named constants.

Placeholders in braces are filled only with identifiers from `graph.ladybug.schema` (table, key
and column names derived from the model) or with a validated whole number of hops; every value
is a `$parameter`, so user text never becomes query text.

Measured choices (LadybugDB 0.22, 1M persons):
- Search keys are matched with `s.key IN $keys`, a scan of the distinct keys (≈20 ms), which the
  planner follows through KEY_OF; joining them from `LOAD FROM` scans KEY_OF whole (≈0.4 s).
- Lists of ids arrive as an Arrow table and are joined with `LOAD FROM $rows MATCH (n {key: k})`
  (≈1 ms for 300 ids). `WHERE n.key IN $list` scans the table (≈0.6 s) and
  `UNWIND $list AS k MATCH (n {key: k})` plans a hash join over the whole table (≈0.7 s).
- New rows go in with `COPY … FROM $rows`; existing ones are found through the key (nodes) or the
  from-endpoint's key plus the rel's key property (rels have no primary key) and updated with
  `LOAD FROM … SET`. `UNWIND … MATCH … MERGE` is not used anywhere.
"""

from __future__ import annotations

from graph.ladybug.schema import TABLES
from graph.model import Evidence, Facility, FamilyKind, Stay

#: All family rel tables, for patterns; which kinds count is filtered with `$kinds` on label().
FAMILY = "|".join(str(k) for k in FamilyKind)
PARENTAL = f"{FamilyKind.PARENT_OF}|{FamilyKind.GUARDIAN_OF}"

# ----------------------------------------------------------------------------- schema and writes
DROP_TABLE = "DROP TABLE IF EXISTS {table}"
DELETE_ALL = "MATCH (n:{table}) DELETE n"
COPY = "COPY {table} FROM $rows"

NODE_EXISTING = "LOAD FROM $rows MATCH (n:{table} {{`{key}`: k}}) RETURN n"
NODE_UPDATE = "LOAD FROM $rows MATCH (n:{table} {{`{key}`: k}}) SET {assignments}"

REL_MATCH = (
    "LOAD FROM $rows MATCH (a:{from_label} {{`{from_key}`: f}})-[e:{table}]->(b:{to_label}) "
    "WHERE e.`{key}` = k"
)
REL_EXISTING = REL_MATCH + " RETURN k, b.`{to_key}` AS to_key, e"
REL_UPDATE = REL_MATCH + " SET {assignments}"
REL_DELETE = REL_MATCH + " DELETE e"

SEARCH_KEYS_EXISTING = "LOAD FROM $rows MATCH (s:SearchKey {key: k}) RETURN s.key"

# -------------------------------------------------------------------------------------- reads
NODES = "MATCH (n:{table}) WHERE {conditions} RETURN n ORDER BY n.`{key}`"
NODES_CONDITION = "n.`{column}` = ${parameter}"
LIMITED = " LIMIT $limit"
PERSON_BY_ID = "MATCH (p:Person {person_id: $id}) RETURN p"
PERSONS_BY_ID = "LOAD FROM $rows MATCH (p:Person {person_id: k}) RETURN p"
RECORDS_BY_KEY = "LOAD FROM $rows MATCH (r:SourceRecord {record_key: k}) RETURN r"

SEARCH_PREFIX = "MATCH (s:SearchKey) WHERE starts_with(s.key, $prefix) RETURN s.key"
SEARCH = """
MATCH (s:SearchKey)-[:KEY_OF]->(p:Person) WHERE s.key IN $keys
WITH p, count(DISTINCT s.key) AS matched
RETURN p ORDER BY matched DESC, p.person_id LIMIT $limit
"""

_USABLE = "r.status <> 'rejected' AND list_contains($kinds, label(r))"
#: `relatives` in one statement: every person within {hops} links of the kinds asked for
#: ({family}, formatted from `FamilyKind` values) over usable links, with the length of its one
#: shortest path, and each reached person's usable links to anyone (both directions; `id(b)`
#: tells which end it is). The store keeps the links among the persons it keeps: every such link
#: has an end that is not the centre, and filters them by status and rank itself: a `$rank`
#: in the OPTIONAL MATCH's WHERE makes LadybugDB 0.22 plan a scan (220 ms instead of 4 ms at
#: 100k persons). Measured at 100k persons against the former reach + person
#: + links-per-person statements (9 round trips for a family of four, ≈0.1–0.5 ms each): no
#: `min()` aggregation (SHORTEST already gives one path per person; grouping cost ≈0.4 ms) and
#: the kinds in the pattern rather than a `list_contains` on every step.
NEIGHBOURHOOD = (
    "MATCH (a:Person {{person_id: $id}})-[p:{family}* SHORTEST 1..{hops} "
    "(r, n | WHERE r.status <> 'rejected' AND r.evidence_rank >= $rank)]-(b:Person) "
    "WITH b, length(p) AS hops "
    "OPTIONAL MATCH (b)-[e:{family}]-(c:Person) "
    "RETURN b, hops, c.person_id, label(e), e"
)
SHORTEST_PATHS = (
    "MATCH p = (a:Person {{person_id: $from}})-[e:" + FAMILY + "* ALL SHORTEST 1..{hops} "
    "(r, n | WHERE " + _USABLE + ")]-(b:Person {{person_id: $to}}) "
    "RETURN properties(nodes(p), 'person_id') AS ids"
)
#: Links and stays from one person at a time: a bound `{person_id: $id}` start is an index
#: lookup (≈0.1 ms), while `LOAD FROM $rows MATCH (p {person_id: k})-[e]->…` scans the whole rel
#: table (≈17 ms at 20k persons); the scan only wins for long id lists (`_SCAN_FROM` in store.py).
LINKS_FROM = f"""
MATCH (a:Person {{person_id: $id}})-[e:{FAMILY}]->(b:Person)
WHERE list_contains($ids, b.person_id) AND e.status <> 'rejected' AND e.evidence_rank >= $rank
  AND list_contains($kinds, label(e))
RETURN a.person_id AS from_key, b.person_id AS to_key, label(e) AS kind, e
"""
LINKS_AMONG = f"""
LOAD FROM $rows MATCH (a:Person {{person_id: k}})-[e:{FAMILY}]->(b:Person)
WHERE list_contains($ids, b.person_id) AND e.status <> 'rejected' AND e.evidence_rank >= $rank
  AND list_contains($kinds, label(e))
RETURN a.person_id AS from_key, b.person_id AS to_key, label(e) AS kind, e
"""

#: Stays come back as property columns, not as the rel and node values: the binding builds a
#: map per value, which cost ~0.4 ms a person (a 300-person family's stays: 0.12 s against 0.02 s
#: at a million persons).
STAY_COLUMNS = tuple(TABLES[Stay.rel_type].column_names)
FACILITY_COLUMNS = tuple(TABLES[Facility.label].column_names)
_STAYS_RETURN = "RETURN p.person_id, " + ", ".join(
    [f"e.`{c}`" for c in STAY_COLUMNS] + [f"f.`{c}`" for c in FACILITY_COLUMNS]
)
STAYS_OF = f"""
MATCH (p:Person {{person_id: $id}})-[e:STAYED_AT]->(f:Facility)
WHERE e.recorded_at IS NULL OR e.recorded_at < $known
{_STAYS_RETURN}
"""
STAYS = f"""
LOAD FROM $rows MATCH (p:Person {{person_id: k}})-[e:STAYED_AT]->(f:Facility)
WHERE e.recorded_at IS NULL OR e.recorded_at < $known
{_STAYS_RETURN}
"""

_CENSUS_MATCH = """
MATCH (s:Separation)-[:SEPARATED]->(p:Person)
WHERE p.is_child AND s.`date` <= $day AND s.recorded_at < $known
  AND (s.reunified_on IS NULL OR s.reunified_on > $day
       OR ($has_known AND (s.reunified_recorded_at IS NULL OR s.reunified_recorded_at >= $known)))
"""
#: The first census rows as ids: sorting whole person and separation nodes to keep 100 rows
#: cost ~1.2 s more than sorting their ids at a million persons; the store then fetches the
#: kept persons, separations and stays by key.
CENSUS_ROW_IDS = _CENSUS_MATCH + """
RETURN p.person_id AS child, s.separation_id AS separation ORDER BY child, separation LIMIT $limit
"""
SEPARATIONS_BY_ID = "LOAD FROM $rows MATCH (s:Separation {separation_id: k}) RETURN s"
CENSUS_TOTAL = _CENSUS_MATCH + "RETURN count(DISTINCT p.person_id)"
CENSUS_BY_FACILITY = _CENSUS_MATCH + """
WITH DISTINCT p
OPTIONAL MATCH (p)-[st:STAYED_AT]->(f:Facility)
WHERE st.start < $at AND (st.`end` IS NULL OR st.`end` >= $at)
  AND (st.recorded_at IS NULL OR st.recorded_at < $known)
RETURN f.facility_id, f.name, st.agency, count(DISTINCT p.person_id)
"""

#: The census kept at write time (`graph.census_changes`): sums of the changes up to a day per
#: place (the total is the row with `total`), and the parts and inputs of persons.
CENSUS_SUMS = """
MATCH (c:CensusSum) WHERE c.day <= $day
WITH c.total AS total, c.facility_id AS facility_id, c.agency AS agency, sum(c.children) AS children
WHERE children > 0
OPTIONAL MATCH (f:Facility {facility_id: facility_id})
RETURN total, facility_id, f.name, agency, children
"""
CENSUS_KEPT = "MATCH (k:CensusKept) RETURN count(k)"
TABLE_NAMES = "CALL show_tables() RETURN name"
MARK_CENSUS_KEPT = "MERGE (:CensusKept {name: 'census'})"
CENSUS_PARTS = "LOAD FROM $rows MATCH (c:CensusPart {person_id: k}) RETURN c.person_id, c.changes"
SET_CENSUS_PARTS = """
LOAD FROM $rows MERGE (c:CensusPart {person_id: k})
ON CREATE SET c.changes = v ON MATCH SET c.changes = v
"""
DELETE_CENSUS_PARTS = "LOAD FROM $rows MATCH (c:CensusPart {person_id: k}) DELETE c"
ADD_CENSUS_SUMS = """
LOAD FROM $rows MERGE (c:CensusSum {key: key})
ON CREATE SET c.day = day, c.total = total, c.facility_id = facility_id, c.agency = agency,
              c.children = delta
ON MATCH SET c.children = c.children + delta
"""
#: One row per (separation, stay) of each separated person: at 100k persons 0.3 s for all of
#: them, against 1.6 s for the separations and then the stays by `STAYS` (a scan of every stay).
CENSUS_INPUTS = """
{start}<-[:SEPARATED]-(s:Separation)
OPTIONAL MATCH (c)-[st:STAYED_AT]->(f:Facility)
RETURN c.person_id, c.is_child, s.`date`, s.reunified_on, st.start, st.`end`, f.facility_id, st.agency
"""
SEPARATED_PERSONS = (
    "LOAD FROM $rows MATCH (:Separation {separation_id: k})-[:SEPARATED]->(p:Person) "
    "RETURN DISTINCT p.person_id"
)
ALL_SEPARATED_PERSONS = "MATCH (:Separation)-[:SEPARATED]->(p:Person) RETURN DISTINCT p.person_id"

#: Statements over a list of persons `c` start with `{start}`: it binds `c` to one id
#: (START_FROM_ID) or joins an Arrow table of ids (START_FROM_ROWS), as in LINKS_FROM/LINKS_AMONG.
START_FROM_ID = "MATCH (c:Person {person_id: $id})"
START_FROM_ROWS = "LOAD FROM $rows MATCH (c:Person {person_id: k})"
SEPARATIONS_OF = (
    "{start}<-[:SEPARATED]-(s:Separation) MATCH (s)-[x:SEPARATED]->(p:Person) "
    "RETURN s, p.person_id, x.side"
)

#: The orphan scan reads the reasons `_refresh_orphans` stored: one column scan, no joins. A
#: page sorts ids only (sorting whole nodes to keep 100 costs ten times more), the full list
#: comes unsorted.
ORPHAN_IDS = """
MATCH (c:Person) WHERE list_has_any(c.orphan_reasons, $reasons)
RETURN c.person_id AS id ORDER BY id LIMIT $limit
"""
ORPHANS = "MATCH (c:Person) WHERE list_has_any(c.orphan_reasons, $reasons) RETURN c"
ORPHANS_COUNT = "MATCH (c:Person) WHERE list_has_any(c.orphan_reasons, $reasons) RETURN count(*)"
ORPHANS_PER_REASON = (
    "MATCH (c:Person) WHERE size(c.orphan_reasons) > 0 UNWIND c.orphan_reasons AS r RETURN r, count(*)"
)
#: The inputs of the orphan rules.
ORPHAN_CHILDREN_OF = "{start}-[:" + PARENTAL + "]->(x:Person) RETURN DISTINCT x.person_id"
ORPHAN_FLAGS = "{start} RETURN c.person_id, c.is_child, c.orphan_reasons"
ORPHAN_PARENT_LINKS = (
    "{start}<-[e:" + PARENTAL + "]-(p:Person) WHERE e.status <> 'rejected' "
    "RETURN c.person_id, p.person_id, e.evidence_rank"
)
ORPHAN_STAYS = (
    "{start}-[s:STAYED_AT]->(:Facility) "
    "RETURN c.person_id, s.start, s.stay_id, s.`end`, s.release_reason, s.agency"
)
SET_ORPHAN_REASONS = "LOAD FROM $rows MATCH (c:Person {person_id: k}) SET c.orphan_reasons = v"

NODE_SOURCES = "MATCH (n:{table} {{`{key}`: $key}}) RETURN n.sources"
REL_SOURCES = "MATCH ()-[e:{table}]->() WHERE e.`{key}` = $key RETURN e.sources"
PERSON_DESCRIBED_BY = (
    "MATCH (:Person {person_id: $key})-[:DESCRIBED_BY]->(r:SourceRecord) RETURN r.record_key"
)

LINK_TARGET = (
    f"MATCH ()-[e:{FAMILY}]->(b:Person) WHERE e.link_id = $key RETURN e.status, e.evidence, b.person_id"
)
MATCH_TARGET = "MATCH ()-[m:POSSIBLY_SAME_AS]->() WHERE m.match_id = $key RETURN m.status"
LINK_REVIEW = (
    f"MATCH ()-[e:{FAMILY}]->() WHERE e.link_id = $key "
    "SET e.status = $status, e.evidence = $evidence, e.evidence_rank = $rank"
)
MATCH_REVIEW = "MATCH ()-[m:POSSIBLY_SAME_AS]->() WHERE m.match_id = $key SET m.status = $status"
REVIEWS_OF = "MATCH (r:Review) WHERE r.target_key = $key RETURN r"

PENDING_LINKS = f"""
MATCH (a:Person)-[e:{FAMILY}]->(b:Person)
WHERE e.evidence_rank <= {Evidence.CLAIMED.rank} AND e.status = 'pending'
RETURN a.person_id AS from_key, b.person_id AS to_key, label(e) AS kind, e
ORDER BY e.link_id LIMIT $limit
"""
PENDING_MATCHES = """
MATCH (a:Person)-[e:POSSIBLY_SAME_AS]->(b:Person) WHERE e.status = 'pending'
RETURN a.person_id AS from_key, b.person_id AS to_key, e
ORDER BY e.match_id LIMIT $limit
"""

COUNT_NODES = "MATCH (n:{table}) RETURN count(*)"
COUNT_RELS = "MATCH ()-[e:{table}]->() RETURN count(*)"
COUNT_CHILDREN = "MATCH (p:Person) WHERE p.is_child RETURN count(*)"
COUNT_SEPARATIONS_WITHOUT_REASON = "MATCH (s:Separation) WHERE s.reason_code IS NULL RETURN count(*)"
COUNT_PENDING_MATCHES = "MATCH ()-[m:POSSIBLY_SAME_AS]->() WHERE m.status = 'pending' RETURN count(*)"

# The same child may not have two mothers: every non-rejected PARENT_OF into children whose
# claims contradict (more than two parents, or two of one sex).
PARENT_CONFLICTS = """
MATCH (p:Person)-[l:PARENT_OF]->(c:Person) WHERE l.status <> 'rejected'
WITH c, count(*) AS n, count(p.sex) AS sexed, count(DISTINCT p.sex) AS sexes
WHERE n > 2 OR sexed > sexes
WITH c ORDER BY c.person_id LIMIT $limit
MATCH (p:Person)-[l:PARENT_OF]->(c) WHERE l.status <> 'rejected'
RETURN c.person_id, p.person_id
"""

# Person resolution rewrites persons whose mentions changed: they go with every relationship.
DELETE_PERSONS = "MATCH (p:Person) WHERE list_contains($ids, p.person_id) DETACH DELETE p"

# Every family link of some kinds (reviewed ones too): exports and the linkage benchmark.
FAMILY_LINKS = f"""
MATCH (a:Person)-[e:{FAMILY}]->(b:Person) WHERE list_contains($kinds, label(e))
RETURN a.person_id AS from_key, b.person_id AS to_key, label(e) AS kind, e
"""
