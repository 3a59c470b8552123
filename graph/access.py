"""Who may see what: roles, the signed-in principal, and `SecuredGraph`, the explorer's only handle.

The limits of a role are enforced here, in `graph/`, on what an operation *returns* — not in the
pages — so no parameter, deep link or page can get an analyst a name. Every result passes through
a redactor for the caller's role before it leaves `SecuredGraph`:

- caseworker, admin: records as stored;
- analyst: persons keep only sex, country and is_child; every person, link, match, stay,
  separation, source record and review key becomes a *pseudonym* (deterministic AES-SIV
  encryption of the key under a secret kept beside the audit log, see `Pseudonymizer`), which
  the same `SecuredGraph` accepts back as an argument; names, identifiers, dates of birth, search
  keys, raw rows, free-text reasons and record keys are blanked;
- trainer: only on a graph loaded entirely from `lineage synth` output (`is_synthetic`); names
  are masked ("Child #3fa91c", "Reviewer #…"), raw rows, search keys and free text blanked; the
  (synthetic) ids and dates stay, so a walkthrough can follow them.

Redaction fails closed: a result type (or a text field of one) this module has no rule for is
refused for analysts rather than passed through, so a new operation cannot leak by default.

Every search, view of a person, list of persons, export, review decision and audit query
appends one entry to the `AuditLog` (denied attempts too) before the result is returned; if the
entry cannot be written, the result is not returned.

Example:
    sg = SecuredGraph(store, Principal("local:ana", Role.ANALYST), AuditLog(path))
    rows = sg.orphaned_children(limit=20)         # pseudonymised children
    sg.custody_chain(rows[0].child.person_id)     # the pseudonym is accepted back
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from pydantic import BaseModel

from graph.audit import AuditEntry, AuditLog
from graph.config import Settings
from graph.errors import PermissionDeniedError
from graph.model import (
    Census,
    CensusCount,
    CensusRow,
    ConflictRow,
    Counts,
    CustodyStep,
    Evidence,
    Facility,
    FamilyKind,
    FamilyLink,
    FamilyPath,
    LinkStatus,
    LoadBatch,
    Neighbourhood,
    OrphanCounts,
    OrphanReason,
    OrphanRow,
    Person,
    PersonHit,
    PossibleMatch,
    Provenance,
    QuarantineEntry,
    Review,
    Separation,
    SeparationEvent,
    SourceRecord,
    Stay,
    Whereabouts,
)
from graph.store import MAX_HOPS, GraphStore

T = TypeVar("T")
#: Longest search text accepted; longer input is refused with a ValueError, not truncated.
MAX_QUERY_CHARS = 1000
_REQUIRED = object()


class Role(StrEnum):
    CASEWORKER = "caseworker"  # full records
    ANALYST = "analyst"  # aggregates + pseudonymised rows: no names, no identifiers, stable pseudonyms
    TRAINER = "trainer"  # only a graph marked synthetic; names masked
    ADMIN = "admin"  # role mapping, review overrides, audit log (and full records)


@dataclass(frozen=True)
class Principal:
    """Who is asking: the identity provider's subject (or `local:<os user>`) and the role."""

    subject: str  # OIDC `sub` or e-mail, or "local:<os user>" in local mode
    role: Role
    display: str = ""  # what the pages show ("Ana (caseworker)")

    def __post_init__(self) -> None:
        if not isinstance(self.subject, str) or not self.subject.strip():
            raise ValueError("a principal needs a subject (who is signed in)")
        object.__setattr__(self, "role", Role(self.role))


# ------------------------------------------------------------------------------ pseudonyms
class Pseudonymizer:
    """Stable pseudonyms for graph keys: deterministic authenticated encryption (AES-SIV).

    The same key always gives the same pseudonym, so an analyst can follow a child across pages
    and sessions; without the secret it can be neither reversed nor forged (SIV authenticates,
    so a made-up pseudonym is refused, not decrypted to garbage). The kind (person, link, …) is
    bound in as associated data: a link's pseudonym is not accepted where a person's is expected.
    """

    PREFIX = {
        "person": "psn", "link": "lnk", "match": "mch", "stay": "sty", "separation": "sep",
        "record": "rec", "review": "rev", "reviewer": "usr",
    }
    KIND = {v: k for k, v in PREFIX.items()}

    def __init__(self, key: bytes) -> None:
        if len(key) != 64:
            raise ValueError("the pseudonym key must be 64 bytes (AES-256-SIV)")
        self._siv = AESSIV(key)
        self._mac_key = hashlib.sha256(b"lineage-mask" + key).digest()

    @classmethod
    def for_log(cls, audit: AuditLog, settings: Settings | None = None) -> Pseudonymizer:
        """The deployment's key: `LINEAGE_PSEUDONYM_KEY` (base64 of 64 bytes) if set, else the
        key file beside the audit log (`<log>.pseudonym.key`, created 0600 on first use)."""
        secret = (settings or Settings()).pseudonym_key
        if secret is not None:
            try:
                return cls(base64.b64decode(secret.get_secret_value(), validate=True))
            except (binascii.Error, ValueError) as exc:
                raise ValueError("LINEAGE_PSEUDONYM_KEY must be base64 of 64 random bytes") from exc
        return cls(_key_file(audit.path.with_name(audit.path.name + ".pseudonym.key")))

    def token(self, kind: str, value: str) -> str:
        sealed = self._siv.encrypt(value.encode(), [kind.encode()])
        return f"{self.PREFIX[kind]}_{base64.b32encode(sealed).decode().rstrip('=').lower()}"

    def reveal(self, token: str, kinds: Sequence[str]) -> tuple[str, str]:
        """(kind, key) behind a pseudonym of one of `kinds`.

        Raises:
            PermissionDeniedError: not a pseudonym of those kinds issued under this key.
        """
        prefix, _, body = token.strip().partition("_")
        kind = self.KIND.get(prefix)
        if kind not in kinds:
            raise PermissionDeniedError(f"analysts refer to records by pseudonym ({', '.join(kinds)})")
        try:
            raw = base64.b32decode(body.upper() + "=" * (-len(body) % 8))
            key = self._siv.decrypt(raw, [kind.encode()]).decode()
            if self.token(kind, key) != token.strip():  # one spelling per pseudonym (unused bits)
                raise ValueError("not the canonical spelling")
            return kind, key
        except (binascii.Error, ValueError, InvalidTag) as exc:
            raise PermissionDeniedError("that is not a pseudonym issued by this deployment") from exc

    def short(self, value: str) -> str:
        """A 6-character keyed tag, for masked display names."""
        return hashlib.blake2s(value.encode(), key=self._mac_key, digest_size=3).hexdigest()


def _key_file(path: Path) -> bytes:
    """Read the key file, or create it (owner-only) if it does not exist yet."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return base64.b64decode(path.read_text().strip())
    with os.fdopen(fd, "w") as fh:
        key = os.urandom(64)
        fh.write(base64.b64encode(key).decode())
    return key


# ------------------------------------------------------------------------------- redaction
class _Redactor:
    """Walks a result and rewrites each record for one role; unknown types fail closed."""

    #: Text and dict fields of result wrappers, and what they carry.
    WRAPPER_FIELDS: dict[tuple[type[BaseModel], str], str] = {
        (Neighbourhood, "center_id"): "person",
        (Neighbourhood, "hops"): "person_keys",
        (PersonHit, "matched_on"): "search_key",
        (Provenance, "key"): "given",
    }
    #: Records with nothing about a person in them: passed as they are.
    PLAIN: tuple[type[BaseModel], ...] = (Facility, LoadBatch, Census, CensusCount, Counts, OrphanCounts)

    def __init__(self, role: Role, pseud: Pseudonymizer) -> None:
        self.role, self.p = role, pseud
        analyst: dict[type, Callable[[Any], Any]] = {
            Person: self._analyst_person, FamilyLink: self._analyst_link, Stay: self._analyst_stay,
            Separation: self._analyst_separation, SourceRecord: self._analyst_record,
            Review: self._analyst_review, PossibleMatch: self._analyst_match,
            QuarantineEntry: self._analyst_quarantine,
        }
        trainer: dict[type, Callable[[Any], Any]] = {
            Person: self._masked_person, SourceRecord: lambda r: r.model_copy(update={"raw": ""}),
            QuarantineEntry: lambda q: q.model_copy(update=_quarantine_blanks(q)),
            Separation: lambda s: s.model_copy(update={"reason_text": None}),
            Review: lambda r: r.model_copy(update={"reviewer": f"Reviewer #{self.p.short(r.reviewer)}",
                                                   "reason": ""}),
        }
        self.leaves = analyst if role == Role.ANALYST else trainer

    def apply(self, obj: T) -> T:
        if self.role in (Role.CASEWORKER, Role.ADMIN):
            return obj
        return self._walk(obj)

    def _walk(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, bool | int | float | date | datetime | Enum):
            return obj
        if isinstance(obj, list | tuple):
            return type(obj)(self._walk(x) for x in obj)
        if type(obj) in self.leaves:
            return self.leaves[type(obj)](obj)
        if isinstance(obj, self.PLAIN) or (self.role == Role.TRAINER and isinstance(obj, _TRAINER_PLAIN)):
            return obj
        if isinstance(obj, BaseModel):
            return self._wrapper(obj)
        raise PermissionDeniedError(f"no {self.role} rule for a {type(obj).__name__}; refused")

    def _wrapper(self, obj: BaseModel) -> BaseModel:
        update: dict[str, Any] = {}
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            rule = self.WRAPPER_FIELDS.get((type(obj), name))
            if rule == "person" and self.role == Role.ANALYST:
                update[name] = self.p.token("person", value)
            elif rule == "person_keys" and self.role == Role.ANALYST:
                update[name] = {self.p.token("person", k): v for k, v in value.items()}
            elif rule == "search_key":
                update[name] = ""
            elif rule is None and isinstance(value, str | dict):
                if self.role == Role.ANALYST:
                    raise PermissionDeniedError(f"no analyst rule for {type(obj).__name__}.{name}; refused")
            elif rule is None:
                update[name] = self._walk(value)
        return obj.model_copy(update=update)

    # analyst ------------------------------------------------------------------------------
    def _analyst(self, obj: BaseModel, update: dict[str, Any]) -> BaseModel:
        """`obj` with `update` applied, the fields of ANALYST_KEEPS as stored, and every other
        field reset to its default: a field added to the model later reaches analysts only once
        someone decides here that it may."""
        for name, blank in _analyst_blanks(type(obj)):
            if name in update:
                continue
            if blank is _REQUIRED:
                raise PermissionDeniedError(f"no analyst rule for {type(obj).__name__}.{name}; refused")
            update[name] = copy.copy(blank)  # a fresh empty list per record
        return obj.model_copy(update=update)

    def _analyst_person(self, p: Person) -> BaseModel:
        return self._analyst(p, {"person_id": self.p.token("person", p.person_id)})

    def _analyst_link(self, x: FamilyLink) -> BaseModel:
        return self._analyst(x, {
            "link_id": self.p.token("link", x.link_id), "from_id": self.p.token("person", x.from_id),
            "to_id": self.p.token("person", x.to_id),
        })

    def _analyst_stay(self, s: Stay) -> BaseModel:
        return self._analyst(s, {
            "stay_id": self.p.token("stay", s.stay_id), "person_id": self.p.token("person", s.person_id),
        })

    def _analyst_separation(self, s: Separation) -> BaseModel:
        return self._analyst(s, {"separation_id": self.p.token("separation", s.separation_id)})

    def _analyst_record(self, r: SourceRecord) -> BaseModel:
        return self._analyst(r, {
            "record_key": self.p.token("record", r.record_key), "record_id": "", "row_number": 0,
            "row_hash": "", "raw": "",
        })

    def _analyst_review(self, r: Review) -> BaseModel:
        kind = "match" if "~" in r.target_key else "link"
        return self._analyst(r, {
            "review_id": self.p.token("review", r.review_id), "target_key": self.p.token(kind, r.target_key),
            "reviewer": self.p.token("reviewer", r.reviewer), "reason": "",
        })

    def _analyst_match(self, m: PossibleMatch) -> BaseModel:
        return self._analyst(m, {
            "match_id": self.p.token("match", m.match_id), "person_a": self.p.token("person", m.person_a),
            "person_b": self.p.token("person", m.person_b),
            "explanation": m.explanation if _only_weights(m.explanation) else "",
        })

    def _analyst_quarantine(self, q: QuarantineEntry) -> BaseModel:
        return self._analyst(q, _quarantine_blanks(q))

    # trainer ------------------------------------------------------------------------------
    def _masked_person(self, p: Person) -> Person:
        return p.model_copy(update={
            "given_names": "Child" if p.is_child else "Adult", "surnames": f"#{self.p.short(p.person_id)}",
            "name_variants": [], "search_keys": [],
        })


#: What a trainer sees as stored, on a synthetic graph: no names in these.
_TRAINER_PLAIN = (FamilyLink, Stay, PossibleMatch)

#: Fields an analyst receives as stored; each leaf's handler rewrites its keys to pseudonyms and
#: every other field is reset to its default (so names, identifiers, dates of birth, search keys,
#: record keys, raw rows and free text — a separation's or a review's reason can name people —
#: never pass, nor does a field added to the model later).
ANALYST_KEEPS: dict[type[BaseModel], frozenset[str]] = {
    Person: frozenset({"sex", "country", "is_child", "orphan_reasons"}),
    FamilyLink: frozenset({"kind", "evidence", "evidence_rank", "confidence", "status", "recorded_at",
                           "batch_id"}),
    Stay: frozenset({"facility_id", "agency", "start", "end", "release_reason", "recorded_at", "batch_id"}),
    Separation: frozenset({"date", "reason_code", "agency", "recorded_at", "reunified_on",
                           "reunified_recorded_at"}),
    SourceRecord: frozenset({"system", "file", "batch_id", "loaded_at"}),
    Review: frozenset({"decision", "decided_at", "previous_status", "previous_evidence"}),
    PossibleMatch: frozenset({"probability", "status", "batch_id"}),
    QuarantineEntry: frozenset({"entry_id", "batch_id", "system", "file", "row_number", "field", "rule"}),
}


@functools.cache
def _analyst_blanks(kind: type[BaseModel]) -> tuple[tuple[str, Any], ...]:
    """(field, empty default) of every field of `kind` an analyst does not keep; computed once
    per kind (pydantic's default lookup inspects signatures: ~1 ms a record otherwise)."""
    keep = ANALYST_KEEPS[kind]
    blanks = []
    for name, field in kind.model_fields.items():
        if name in keep:
            continue
        # A required field has no empty value: its handler must rewrite it, or the record is refused.
        empty = _REQUIRED if field.is_required() else field.get_default(call_default_factory=True)
        blanks.append((name, empty))
    return tuple(blanks)


def _quarantine_blanks(q: QuarantineEntry) -> dict[str, Any]:
    """`value` and `raw` are the rejected input itself (a name, an A-number); the reason is
    rebuilt from the field and rule so no loader's message can carry the value through."""
    return {"value": None, "raw": "", "reason": f"{q.field}: {q.rule}"}


def _only_weights(explanation: str) -> bool:
    """Whether a match explanation is what linkage writes: a JSON object of numeric weights."""
    try:
        data = json.loads(explanation)
    except ValueError:
        return False
    return isinstance(data, dict) and all(isinstance(v, int | float | None) for v in data.values())


def _person_ids(obj: Any) -> list[str]:
    """Every person id a result carries (for the audit entry's `shown`)."""
    if isinstance(obj, Person):
        return [obj.person_id]
    if isinstance(obj, list | tuple):
        return [i for x in obj for i in _person_ids(x)]
    if isinstance(obj, BaseModel) and not isinstance(obj, _NO_PERSONS):
        return [i for name in type(obj).model_fields for i in _person_ids(getattr(obj, name))]
    return []


_NO_PERSONS = (Facility, LoadBatch, Census, Counts, SourceRecord, QuarantineEntry, Stay, Separation)


def _count(result: Any) -> int:
    if result is None:
        return 0
    if isinstance(result, list):
        return len(result)
    if isinstance(result, tuple):
        return sum(len(part) for part in result)
    if isinstance(result, Neighbourhood | FamilyPath):
        return len(result.persons)
    if isinstance(result, Provenance):
        return len(result.records)
    return 1


# ----------------------------------------------------------------------------- the handle
class SecuredGraph:
    """The only graph handle the explorer gets: a `GraphStore` seen as one principal may see it.

    Reads have the names, parameters and result types of `GraphStore`'s, filtered for the role;
    ids an analyst receives are pseudonyms, and the same handle takes them back as arguments
    (only pseudonyms: an analyst passing a real id is refused, so ids cannot be matched to
    pseudonyms). Denied calls raise `PermissionDeniedError` and are logged as `denied`.

    Args:
        store: an open store (the explorer's read-only handle; a read-write one for reviews).
        principal: who is asking; required.
        audit: where every search, view, export and decision is recorded.
        pseudonyms: defaults to the deployment's key (`Pseudonymizer.for_log(audit)`).
    """

    def __init__(
        self,
        store: GraphStore,
        principal: Principal,
        audit: AuditLog,
        pseudonyms: Pseudonymizer | None = None,
    ) -> None:
        if not isinstance(principal, Principal):
            raise PermissionDeniedError("the graph is opened for a signed-in principal only")
        if not isinstance(audit, AuditLog):
            raise PermissionDeniedError("the graph is opened with an audit log only")
        self._store, self.principal, self._audit = store, principal, audit
        self._pseud = pseudonyms or Pseudonymizer.for_log(audit)
        self._redact = _Redactor(principal.role, self._pseud)
        self._synthetic: bool | None = None

    @property
    def role(self) -> Role:
        return self.principal.role

    # ---------------------------------------------------------------------------- reads
    def get_person(self, person_id: str) -> Person | None:
        pid = self._person_arg("get_person", person_id)
        return self._run("get_person", "view", lambda: self._store.get_person(pid), target=pid)

    def search_persons(self, text: str, limit: int = 20) -> list[PersonHit]:
        """Search by name or identifier; analysts may only look a pseudonym up (a name search
        would tell them which pseudonym carries a name they typed).

        Raises:
            ValueError: text is not a string or longer than MAX_QUERY_CHARS.
        """
        if not isinstance(text, str):
            raise ValueError("search text must be a string")
        if len(text) > MAX_QUERY_CHARS:
            raise ValueError(f"search text is longer than {MAX_QUERY_CHARS} characters")
        params = {"text": text, "limit": limit}
        if self.role != Role.ANALYST:
            return self._run("search_persons", "search", lambda: self._store.search_persons(text, limit),
                             parameters=params)
        pid = self._person_arg("search_persons", text, params)

        def lookup() -> list[PersonHit]:
            person = self._store.get_person(pid)
            return [PersonHit(person=person, matched_on="", score=1.0)] if person and limit > 0 else []

        return self._run("search_persons", "search", lookup, target=pid, parameters={**params, "text": pid})

    def relatives(
        self,
        person_id: str,
        hops: int = 2,
        kinds: Sequence[FamilyKind | str] | None = None,
        min_evidence: Evidence | str = Evidence.CLAIMED,
        limit: int = 300,
    ) -> Neighbourhood:
        pid = self._person_arg("relatives", person_id)
        return self._run(
            "relatives", "view", lambda: self._store.relatives(pid, hops, kinds, min_evidence, limit),
            target=pid,
            parameters={"hops": hops, "kinds": kinds, "min_evidence": min_evidence, "limit": limit},
        )

    def family_path(
        self,
        from_id: str,
        to_id: str,
        max_hops: int = MAX_HOPS,
        kinds: Sequence[FamilyKind | str] | None = None,
    ) -> FamilyPath | None:
        a = self._person_arg("family_path", from_id)
        b = self._person_arg("family_path", to_id)
        return self._run(
            "family_path", "view", lambda: self._store.family_path(a, b, max_hops, kinds),
            target=a, parameters={"to_id": b, "max_hops": max_hops, "kinds": kinds},
        )

    def custody_chain(self, person_id: str, known_on: date | None = None) -> list[CustodyStep]:
        pid = self._person_arg("custody_chain", person_id)
        return self._run("custody_chain", "view", lambda: self._store.custody_chain(pid, known_on),
                         target=pid, parameters={"known_on": known_on})

    def custody_chains(
        self, person_ids: Sequence[str], known_on: date | None = None
    ) -> dict[str, list[CustodyStep]]:
        """Several chains in one query and one audit entry (a family's timeline); the keys are
        the ids as given (pseudonyms for an analyst)."""
        real = {pid: self._person_arg("custody_chains", pid) for pid in person_ids}
        ids = list(dict.fromkeys(real.values()))
        chains = self._run(  # as a list of chains: the redaction walks lists, not dicts
            "custody_chains", "view", lambda: list(self._store.custody_chains(ids, known_on).values()),
            target=ids[0] if ids else "", parameters={"person_ids": ids, "known_on": known_on},
        )
        by_id = dict(zip(ids, chains, strict=True))
        return {given: by_id[pid] for given, pid in real.items()}

    def family_whereabouts(
        self, person_id: str, on: date, hops: int = 2, known_on: date | None = None
    ) -> list[Whereabouts]:
        pid = self._person_arg("family_whereabouts", person_id)
        return self._run(
            "family_whereabouts", "view", lambda: self._store.family_whereabouts(pid, on, hops, known_on),
            target=pid, parameters={"on": on, "hops": hops, "known_on": known_on},
        )

    def separated_not_reunified(
        self, on: date, known_on: date | None = None, limit: int | None = None
    ) -> list[CensusRow]:
        return self._run(
            "separated_not_reunified", "list",
            lambda: self._store.separated_not_reunified(on, known_on, limit),
            parameters={"on": on, "known_on": known_on, "limit": limit},
        )

    def separations(self, person_ids: Sequence[str]) -> list[SeparationEvent]:
        """The separation events of these persons: a view of each of them (the first is the
        target; all are in the parameters)."""
        ids = [self._person_arg("separations", pid) for pid in person_ids]
        return self._run("separations", "view", lambda: self._store.separations(ids),
                         target=ids[0] if ids else "", parameters={"person_ids": ids})

    def census(self, on: date, known_on: date | None = None) -> Census:
        """Aggregate counts: every role may see them; not logged (no person in them)."""
        return self._run("census", None, lambda: self._store.census(on, known_on))

    def orphaned_children(
        self, reasons: Sequence[OrphanReason | str] | None = None, limit: int | None = None
    ) -> list[OrphanRow]:
        return self._run("orphaned_children", "list", lambda: self._store.orphaned_children(reasons, limit),
                         parameters={"reasons": reasons, "limit": limit})

    def orphan_counts(self, reasons: Sequence[OrphanReason | str] | None = None) -> OrphanCounts:
        """Aggregate counts: every role may see them; not logged (no person in them)."""
        return self._run("orphan_counts", None, lambda: self._store.orphan_counts(reasons))

    def conflicting_parent_claims(self, limit: int | None = 200) -> list[ConflictRow]:
        return self._run("conflicting_parent_claims", "list",
                         lambda: self._store.conflicting_parent_claims(limit), parameters={"limit": limit})

    def provenance(self, key: str) -> Provenance:
        real = self._key_arg("provenance", key, tuple(Pseudonymizer.PREFIX))
        result = self._run("provenance", "view", lambda: self._store.provenance(real), target=real)
        return result.model_copy(update={"key": key}) if self.role == Role.ANALYST else result

    def review_history(self, target_key: str) -> list[Review]:
        real = self._key_arg("review_history", target_key, ("link", "match"))
        return self._run("review_history", "view", lambda: self._store.review_history(real), target=real)

    def pending_reviews(self, limit: int = 200) -> tuple[list[FamilyLink], list[PossibleMatch]]:
        return self._run("pending_reviews", "list", lambda: self._store.pending_reviews(limit),
                         parameters={"limit": limit})

    def load_batches(self) -> list[LoadBatch]:
        """The load ledger (files, counts): not about persons, not logged."""
        return self._run("load_batches", None, self._store.load_batches)

    def quarantine(self, system: str | None = None, limit: int = 1000) -> list[QuarantineEntry]:
        return self._run("quarantine", "list", lambda: self._store.quarantine(system, limit),
                         parameters={"system": system, "limit": limit})

    def counts(self) -> Counts:
        return self._run("counts", None, self._store.counts)

    def is_synthetic(self) -> bool:
        """Whether the graph holds only `lineage synth` output: at least one load, every load of
        a synthetic file (`LoadBatch.synthetic`), and no source record outside those loads."""
        if self._synthetic is None:
            batches = self._store.load_batches()
            self._synthetic = (
                bool(batches)
                and all(b.synthetic for b in batches)
                and self._store.counts().source_records <= sum(b.loaded for b in batches)
            )
        return self._synthetic

    # --------------------------------------------------------------------------- writes
    def record_review(self, target_key: str, decision: LinkStatus, reason: str) -> Review:
        """Confirm or reject a link or match as the principal (the reviewer's name is theirs).

        Caseworkers decide pending items; changing an earlier decision is an admin override.

        Raises:
            PermissionDeniedError: analyst or trainer, or a caseworker overriding a decision.
            NotFoundError / ValueError: as `GraphStore.record_review`.
        """
        params = {"decision": decision, "reason": reason}
        if self.role not in (Role.CASEWORKER, Role.ADMIN):
            self._deny("record_review", f"a {self.role} cannot record review decisions", target_key, params)
        if self.role == Role.CASEWORKER and self._store.review_history(target_key):
            self._deny("record_review", "this item was already decided; only an admin can override a "
                       "decision", target_key, params)
        who = self.principal.subject
        return self._run("record_review", "review",
                         lambda: self._store.record_review(target_key, decision, who, reason),
                         target=target_key, parameters=params)

    def record_export(self, what: str, parameters: dict[str, Any], rows: int) -> None:
        """Log a download the explorer is about to hand out (called on every export)."""
        self._log("export", "", {"what": what, **parameters}, rows)

    def audit_entries(self, person_id: str | None = None, limit: int = 1000) -> list[AuditEntry]:
        """The audit log (newest `limit` entries, or those about one person): admins only."""
        params = {"person_id": person_id, "limit": limit}
        if self.role != Role.ADMIN:
            self._deny("audit_entries", "only an admin can read the audit log", person_id or "", params)
        entries = self._audit.entries(person_id=person_id, limit=limit)
        self._log("audit", person_id or "", {"operation": "audit_entries", **params}, len(entries))
        return entries

    # ------------------------------------------------------------------------- plumbing
    def _run(
        self,
        operation: str,
        action: str | None,
        call: Callable[[], T],
        *,
        target: str = "",
        parameters: dict[str, Any] | None = None,
    ) -> T:
        """Check the role may run it, run it, log it (if `action`), return it redacted."""
        params = {"operation": operation, **(parameters or {})}
        if self.role == Role.TRAINER and not self.is_synthetic():
            self._deny(operation, "trainers work on synthetic data only, and this graph holds real "
                       "records; load a `lineage synth` scenario into a separate database", target, params)
        try:
            result = call()
        except Exception as exc:
            if action:
                self._log(action, target, {**params, "error": type(exc).__name__}, 0)
            raise
        try:
            redacted = self._redact.apply(result)
        except PermissionDeniedError as exc:
            self._deny(operation, str(exc), target, params)
        if action:
            self._log(action, target, params, _count(result), _person_ids(result))
        return redacted

    def _log(self, action: str, target: str, params: dict[str, Any], count: int,
             shown: Sequence[str] = ()) -> None:
        self._audit.append(self.principal.subject, self.role, action, target, params, count, shown)

    def _deny(
        self, operation: str, message: str, target: str = "", params: dict[str, Any] | None = None
    ) -> NoReturn:
        self._log("denied", target, {"operation": operation, **(params or {}), "reason": message}, 0)
        raise PermissionDeniedError(f"{operation}: {message}")

    def _person_arg(self, operation: str, value: str, params: dict[str, Any] | None = None) -> str:
        return self._key_arg(operation, value, ("person",), params)

    def _key_arg(self, operation: str, value: str, kinds: Sequence[str],
                 params: dict[str, Any] | None = None) -> str:
        """The real key behind an argument: analysts pass pseudonyms, others real keys."""
        if not isinstance(value, str):
            raise ValueError(f"{operation}: a key must be a string")
        if self.role != Role.ANALYST:
            return value
        try:
            return self._pseud.reveal(value, kinds)[1]
        except PermissionDeniedError as exc:
            # Logged with what was typed: an analyst searching for a name is what an audit is for.
            self._deny(operation, str(exc), "", {"given": value, **(params or {})})
