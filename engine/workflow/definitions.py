"""Deploying process definitions, and the parsed catalogue of the newest versions."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from marshmallow import validate
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from bpmn.catalogue import VARIANT_SEPARATOR, Catalogue, resolve_called
from bpmn.errors import DefinitionError
from bpmn.serializer import SpecBundle, WorkflowCodec
from bpmn.validation import check_file
from bpmn.xml import Source
from engine import audit
from engine.actors import Actor
from engine.db import insert_once
from engine.errors import Corrupted, DefinitionRejected, NotFound
from engine.forms import FORMS
from engine.identity.permissions import Permission, holders
from engine.models import ProcessDefinition, ProcessSpec

# The roles a lane or candidate group may give user tasks (supervisors have no process steps).
ROLES = frozenset(role.value for role in holders(Permission.TAKE_PROCESS_STEPS))


def form_outcomes() -> dict[str, tuple[str, ...]]:
    """Each registered form and the outcomes its `outcome` field allows (empty: it has none).

    Deployment checks that a user task's form is one of these and that every outcome it can
    produce has a path of its own (a review's `return` must not end up approved).
    """
    outcomes = {}
    for name, schema in FORMS.items():
        field = schema().fields.get("outcome")
        validators = getattr(field, "validators", None) or []
        choices = next((tuple(v.choices) for v in validators if isinstance(v, validate.OneOf)), ())
        outcomes[name] = choices
    return outcomes


@dataclass(frozen=True)
class Deployed:
    """The outcome for one file: its key and version, and whether it was new."""

    file_name: str
    key: str
    version: int
    changed: bool


def latest_definitions(session: Session, *, sources: bool = True) -> list[ProcessDefinition]:
    """The newest version of every key (`sources=False`: their texts are loaded when read)."""
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    return list(
        session.scalars(
            select(ProcessDefinition)
            .join(
                newest,
                (ProcessDefinition.key == newest.c.key)
                & (ProcessDefinition.version == newest.c.version),
            )
            .order_by(ProcessDefinition.key)
            .options(*(() if sources else (defer(ProcessDefinition.source),)))
        )
    )


def deploy(
    session: Session, sources: Sequence[Source], actor: Actor, operations: Collection[str]
) -> list[Deployed]:
    """Validate every file, then store each changed one as a new immutable version.

    Either all files are stored or none: any problem in any file rejects the deployment and
    names the file, the element and the reason of every problem found.
    """
    new, problems = _checked(session, sources, operations)
    if problems:
        raise DefinitionRejected(problems)
    return [_store(session, parsed, actor) for parsed in new.files.values()]


def problems_of(
    session: Session, sources: Sequence[Source], operations: Collection[str]
) -> list[DefinitionError]:
    """Every problem deploying `sources` now would meet (none: it would deploy); writes nothing."""
    return _checked(session, sources, operations)[1]


def _checked(
    session: Session, sources: Sequence[Source], operations: Collection[str]
) -> tuple[Catalogue | None, list[DefinitionError]]:
    if not sources:
        return None, [DefinitionError("(none)", None, "no files were given", "no_files")]
    names = [source.name for source in sources]
    problems: list[DefinitionError] = [
        DefinitionError(name, None, "the same file name appears twice", "duplicate_file")
        for name in {n for n in names if names.count(n) > 1}
    ]
    new = Catalogue(sources, problems)
    new_keys = {parsed.key for parsed in new.files.values()}
    deployed = [d for d in latest_definitions(session) if d.key not in new_keys]
    provided_by = {pid: d for d in deployed for pid in d.provides}
    for parsed in new.files.values():
        for pid in parsed.provides:
            if pid in provided_by:
                problems.append(
                    DefinitionError(
                        parsed.source.name,
                        pid,
                        f"'{pid}' is already provided by {provided_by[pid].file_name} "
                        f"(deployed as '{provided_by[pid].key}'); rename it, or deploy under "
                        f"the name {provided_by[pid].file_name} to replace that file",
                        "already_provided",
                        {"id": pid, "other": provided_by[pid].file_name},
                    )
                )
    if not problems:
        combined = Catalogue([Source(d.file_name, d.source) for d in deployed] + list(sources))
        available = combined.process_ids
        forms = form_outcomes()
        for name in names:
            problems += check_file(
                combined,
                combined.files[name],
                roles=ROLES,
                operations=operations,
                available=available,
                forms=forms,
            )
        problems += _orphaned_calls(combined, deployed, new, available)
    return new, problems


def _orphaned_calls(combined, deployed, new, available) -> list[DefinitionError]:
    """Deployed definitions that would call a process the new versions no longer provide."""
    problems = []
    for definition in deployed:
        for called in sorted(combined.files[definition.file_name].calls):
            if resolve_called(called, available) is None:
                # Blame the new file that used to provide it, if any.
                culprit = next(
                    (
                        parsed.source.name
                        for parsed in new.files.values()
                        if parsed.key == called.split(VARIANT_SEPARATOR)[0]
                    ),
                    next(iter(new.files.values())).source.name,
                )
                problems.append(
                    DefinitionError(
                        culprit,
                        called,
                        f"'{called}' is called by the deployed {definition.file_name} "
                        "and would no longer exist; keep providing it",
                        "orphaned_call",
                        {"called": called, "caller": definition.file_name},
                    )
                )
    return problems


def _store(session: Session, parsed, actor: Actor) -> Deployed:
    text = parsed.source.text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    current = session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == parsed.key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()
    if current is not None and current.sha256 == digest:
        return Deployed(parsed.source.name, parsed.key, current.version, changed=False)
    version = (current.version if current else 0) + 1
    definition = ProcessDefinition(
        key=parsed.key,
        version=version,
        kind=parsed.kind,
        file_name=parsed.source.name,
        sha256=digest,
        source=text,
        provides=list(parsed.provides),
        deployed_by=actor.name,
    )
    session.add(definition)
    session.flush()
    audit.append(
        session,
        actor=actor.name,
        action="definition.deploy",
        object_type="process_definition",
        object_id=definition.id,
        payload={
            "key": parsed.key,
            "version": version,
            "sha256": digest,
            "file": parsed.source.name,
        },
    )
    return Deployed(parsed.source.name, parsed.key, version, changed=True)


@dataclass(frozen=True)
class DefinitionRef:
    """What the runtime needs to know of a deployed definition."""

    id: int
    key: str
    version: int
    file_name: str
    sha256: str

    @classmethod
    def of(cls, row: ProcessDefinition) -> DefinitionRef:
        return cls(row.id, row.key, row.version, row.file_name, row.sha256)


class DefinitionCache:
    """Parsed catalogues of the newest definitions and loaded spec bundles, per process."""

    def __init__(self, codec: WorkflowCodec, size: int = 256) -> None:
        self.codec = codec
        self._lock = threading.Lock()
        self._catalogues: OrderedDict[tuple, tuple[Catalogue, dict]] = OrderedDict()
        self._bundles: OrderedDict[str, SpecBundle] = OrderedDict()
        # (deployed versions, process key) → the bundle a start serialised and its versions.
        self._starts: OrderedDict[tuple, tuple[SpecBundle, dict]] = OrderedDict()
        self._size = size

    def catalogue(self, session: Session) -> tuple[Catalogue, dict[str, DefinitionRef]]:
        """The catalogue of the newest version of every key (rebuilt only after a deploy)."""
        return self._entry(session)[1:]

    def _entry(self, session: Session) -> tuple[tuple, Catalogue, dict[str, DefinitionRef]]:
        """The catalogue with the key it is cached under (the deployed versions' content).

        Every start asks for it: the versions' ids and hashes are read, their texts (a hundred
        KiB and more) only when the catalogue has to be built.
        """
        latest = latest_definitions(session, sources=False)
        # Content, not just ids: SQLite may reuse the id of a rolled-back row.
        cache_key = tuple((d.id, d.sha256) for d in latest)
        with self._lock:
            if cache_key in self._catalogues:
                self._catalogues.move_to_end(cache_key)
                return (cache_key, *self._catalogues[cache_key])
        for definition in latest:
            digest = hashlib.sha256(definition.source.encode("utf-8")).hexdigest()
            if digest != definition.sha256:
                raise Corrupted(
                    f"process definition {definition.key} v{definition.version} was altered "
                    "in the database (its text no longer matches its SHA-256)"
                )
        try:
            catalogue = Catalogue(Source(d.file_name, d.source) for d in latest)
        except DefinitionError as error:
            raise Corrupted(f"the deployed definitions no longer parse: {error}") from None
        # Plain values, not ORM objects: a cached object would expire with its transaction.
        by_process = {pid: DefinitionRef.of(d) for d in latest for pid in d.provides}
        with self._lock:
            self._catalogues[cache_key] = (catalogue, by_process)
            while len(self._catalogues) > 4:
                self._catalogues.popitem(last=False)
        return cache_key, catalogue, by_process

    def bundle_for_start(self, session: Session, process_key: str):
        """The spec bundle a new instance of `process_key` starts on, stored if new.

        Serialising a bundle (the root process and all it calls, about 87 KiB for the budget
        cycle) is done once per deployed versions and kept; only whether its row is stored is
        asked of the database at each start, since the transaction that stored it may have
        rolled back.
        """
        key, catalogue, by_process = self._entry(session)
        definition = by_process.get(process_key)
        if definition is None or process_key not in catalogue.process_ids:
            raise NotFound(f"no deployed process '{process_key}'", errors={"process": "unknown"})
        with self._lock:
            known = self._starts.get((key, process_key))
        if known is None:
            known = self._start_bundle(catalogue, by_process, process_key)
            with self._lock:
                self._starts[(key, process_key)] = known
                while len(self._starts) > self._size:
                    self._starts.popitem(last=False)
        bundle, versions = known
        stored = session.scalar(
            select(ProcessSpec.sha256).where(ProcessSpec.sha256 == bundle.sha256)
        )
        if stored is None:
            insert_once(
                session,
                ProcessSpec,
                {"sha256": bundle.sha256, "body": bundle.body, "versions": versions},
                ["sha256"],
            )
        self._remember(bundle)
        return definition, bundle

    def _start_bundle(self, catalogue, by_process, process_key: str) -> tuple[SpecBundle, dict]:
        """The serialised bundle for `process_key` and the versions of everything in it."""
        try:
            spec, subprocess_specs = catalogue.bundle_specs(process_key)
        except DefinitionError as error:
            raise Corrupted(f"process '{process_key}' cannot start: {error}") from None
        bundle = self.codec.bundle(spec, subprocess_specs)
        used = [(process_key, process_key)] + [
            (name, sub.name) for name, sub in subprocess_specs.items()
        ]
        versions = {
            name: by_process[target].version for name, target in used if target in by_process
        }
        # Decision tables are compiled into the specs at start as well: record their versions.
        for _, target in used:
            parsed = (
                catalogue.files.get(by_process[target].file_name) if target in by_process else None
            )
            for decision in parsed.decision_refs if parsed else ():
                if decision in by_process:
                    versions[decision] = by_process[decision].version
        return bundle, versions

    def bundle(self, session: Session, sha256: str) -> SpecBundle:
        """A stored spec bundle, verified against its hash, parsed once per process."""
        with self._lock:
            if sha256 in self._bundles:
                self._bundles.move_to_end(sha256)
                return self._bundles[sha256]
        row = session.get(ProcessSpec, sha256)
        if row is None:
            raise NotFound(f"process spec {sha256[:12]}… is missing")
        bundle = self.codec.load_bundle(row.body, sha256)
        self._remember(bundle)
        return bundle

    def _remember(self, bundle: SpecBundle) -> None:
        with self._lock:
            self._bundles[bundle.sha256] = bundle
            self._bundles.move_to_end(bundle.sha256)
            while len(self._bundles) > self._size:
                self._bundles.popitem(last=False)
