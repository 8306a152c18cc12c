"""Generate one fiscal year of a synthetic province: `budgetloop seed`."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit, frame_map, reference
from engine.errors import Conflict, InvalidInput
from engine.models import (
    FiscalYear,
    Organisation,
    Project,
    Region,
    User,
)
from engine.models.enums import OrgKind
from engine.synthetic import organisations
from engine.synthetic.projects import Context, Counts, insert_batch

DEMO_REGION = ("990000", "示范省")
MAX_PROJECTS = 1_000_000
MAX_UNITS = 20_000
BATCH = 2_000


@dataclass(frozen=True)
class SeedRequest:
    """What to generate; the same request with the same seed gives the same data."""

    year: int
    projects: int
    units: int | None = None
    seed: int = 1
    region_code: str = DEMO_REGION[0]
    region_name: str = DEMO_REGION[1]

    def validated(self) -> SeedRequest:
        """Return self, or raise `InvalidInput` naming the first bad field."""
        if not 2000 <= self.year <= 2100:
            raise InvalidInput(
                f"year {self.year} is outside 2000–2100", errors={"year": "out of range"}
            )
        if not 1 <= self.projects <= MAX_PROJECTS:
            raise InvalidInput(
                f"--projects must be between 1 and {MAX_PROJECTS:,}, not {self.projects}",
                errors={"projects": "out of range"},
            )
        if self.units is not None and not 1 <= self.units <= MAX_UNITS:
            raise InvalidInput(
                f"--units must be between 1 and {MAX_UNITS:,}, not {self.units}",
                errors={"units": "out of range"},
            )
        if not 0 <= self.seed < 2**63:
            raise InvalidInput("--seed must be a non-negative integer", errors={"seed": "range"})
        return self


@dataclass(frozen=True)
class SeedSummary:
    """What was generated."""

    region: str
    year: int
    departments: int
    units: int
    users: int
    projects: int
    fund_lines: int
    target_tables: int
    indicators: int


def seed_province(
    session: Session,
    request: SeedRequest,
    progress: Callable[[int], None] | None = None,
    actor: str = "system",
) -> SeedSummary:
    """Generate organisations (first time only), projects, fund lines and draft target tables."""
    request = request.validated()
    reference.install(session)
    region = session.get(Region, request.region_code)
    if region is None:
        region = Region(code=request.region_code, name=request.region_name)
        session.add(region)
        session.flush()
    fiscal_year = _new_fiscal_year(session, request)

    units = organisations.existing_units(session, region.code)
    if not units:
        count = request.units or organisations.default_unit_count(request.projects)
        units = organisations.create(session, _rng(request, "organisations"), region.code, count)
    elif request.units is not None and request.units != len(units):
        raise InvalidInput(
            f"{region.name} already has {len(units):,} units from an earlier year; "
            "omit --units to reuse them",
            errors={"units": "region already has units"},
        )

    context = _context(session, request, fiscal_year, units)
    rng = _rng(request, "projects")
    rng.shuffle(context.predecessors)
    codes = rng.sample(range(1, 10_000_000), request.projects)
    counts = Counts()
    for start in range(0, request.projects, BATCH):
        insert_batch(session, rng, context, codes[start : start + BATCH], counts)
        if progress:
            progress(min(BATCH, request.projects - start))

    summary = SeedSummary(
        region=region.name,
        year=request.year,
        departments=_count_orgs(session, region.code, OrgKind.DEPARTMENT),
        units=len(units),
        users=_count_users(session),
        **asdict(counts),
    )
    audit.append(
        session,
        actor=actor,
        action="province.seed",
        object_type="fiscal_year",
        object_id=fiscal_year.id,
        payload={"seed": request.seed, **asdict(summary)},
    )
    return summary


def _rng(request: SeedRequest, stream: str) -> random.Random:
    # A separate stream per purpose: adding projects never changes the organisations drawn.
    return random.Random(f"{request.seed}:{request.region_code}:{request.year}:{stream}")


def _new_fiscal_year(session: Session, request: SeedRequest) -> FiscalYear:
    existing = session.scalars(
        select(FiscalYear).where(
            FiscalYear.region_code == request.region_code, FiscalYear.year == request.year
        )
    ).one_or_none()
    if existing is not None:
        projects = session.scalar(
            select(func.count()).select_from(Project).where(Project.fiscal_year_id == existing.id)
        )
        raise Conflict(
            f"fiscal year {request.year} already exists with {projects:,} projects; "
            "seed another year or start from an empty database",
            errors={"year": "already seeded"},
        )
    fiscal_year = FiscalYear(region_code=request.region_code, year=request.year, seed=request.seed)
    session.add(fiscal_year)
    session.flush()
    return fiscal_year


def _context(session, request, fiscal_year, units) -> Context:
    # The library's items are written against the default frame's level-2 items; a region on
    # another frame (2021's, with 成本 a level-1 item) files them where that frame puts them.
    frame = frame_map.frame_for(session, request.region_code, request.year)
    library_frame = frame_map.frame_named(session, "default", None, None)
    places = frame_map.counterparts(
        library_frame.nodes, library_frame.code, frame.nodes, frame.code
    )
    level1 = frame_map.level1_of(frame.nodes)
    node_ids = {code: node.id for code, node in places.items()}
    branches = {code: level1[node.code] for code, node in places.items()}
    library: dict[str, dict[str, list[dict]]] = {}
    for functional_class, items in reference.load_data("indicator_library.json")["classes"].items():
        by_level: dict[str, list[dict]] = {}
        for item in items:
            by_level.setdefault(item["level1"], []).append(item)
        library[functional_class] = by_level
    weights_rng = _rng(request, "unit-weights")
    weights = [weights_rng.paretovariate(1.8) for _ in units]
    previous = session.scalars(
        select(FiscalYear.id).where(
            FiscalYear.region_code == request.region_code, FiscalYear.year == request.year - 1
        )
    ).first()
    predecessors = []
    if previous is not None:
        predecessors = [
            tuple(row)
            for row in session.execute(
                select(Project.id, Project.unit_id, Project.name, Project.functional_class)
                .where(Project.fiscal_year_id == previous, Project.is_continuing.is_(True))
                .order_by(Project.id)
            )
        ]
    return Context(
        year=request.year,
        fiscal_year_id=fiscal_year.id,
        frame_id=frame.id,
        node_ids=node_ids,
        branches=branches,
        frame_nodes=list(frame.nodes),
        library=library,
        units=units,
        unit_cumulative_weights=list(itertools.accumulate(weights)),
        units_by_id={unit.id: unit for unit in units},
        predecessors=predecessors,
    )


def _count_orgs(session: Session, region_code: str, kind: OrgKind) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Organisation)
        .where(Organisation.region_code == region_code, Organisation.kind == kind)
    )


def _count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User))
