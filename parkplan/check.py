"""``parkplan check``: the whole study validated, nothing computed.

:func:`check_study` reads ``study.toml`` and the workspace's catalogue and reports every
problem a run would stop at, each with its place in ``study.toml`` and how to fix it: the
schema; the layers the study names (in the workspace, or declared under ``[[layers]]`` with a
source that exists, or a web service with an area to request) and their kind; the columns
it reads from them; the partners' names in the municipalities layer; the transforms,
weights and aggregation of the model and of each scenario; the sharing keys and mechanisms
(by the rules of :mod:`equalisation`); the partner facts a run needs (:mod:`parkplan.facts`);
the finance assumptions. What a run would assume or adjust is reported as notes.

It reads no more than layer metadata (:meth:`Workspace.layer_columns`,
:func:`~parkplan.workspace.source_columns`) and the column of municipality names
(:meth:`Workspace.read_attributes`), so it takes seconds on a real study; it opens no layer
file itself and asks no web service (a run asks those it declares).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from equalisation.errors import EqualisationError
from equalisation.keys import Partner, build_key_pair
from equalisation.mechanisms import build_mechanisms
from geo.errors import GeoError
from geo.grid import projected_crs
from geo.layers.services import SERVICES
from parkplan import library_inputs
from parkplan.errors import ParkplanError, StudyError
from parkplan.facts import Assumption, assumption_rule, needed_facts
from parkplan.study import (
    PARTNER_FACTS,
    STUDY_FILE,
    CriterionConfig,
    CustomKey,
    ExclusionConfig,
    FinanceAssumptionsConfig,
    LayerSource,
    RegionConfig,
    Study,
    StudyValidation,
    ZoneShareCriterion,
    ZoningCriterion,
    ZoningExclusion,
    key_spec,
    validate_study,
)
from parkplan.study_problems import StudyProblem, by_line, problem
from parkplan.toml_lines import Path as TomlPath
from parkplan.toml_lines import toml_lines
from parkplan.workspace import LayerInfo, Workspace, source_columns

#: Errors of reading a layer's metadata or values (a broken or unreadable layer or source).
_READ_ERRORS = (ParkplanError, GeoError, OSError, ValueError)


@dataclass(frozen=True)
class CheckReport:
    """The problems of a study (a run would stop at each) and the notes (what a run would
    assume or adjust)."""

    study_file: Path
    problems: tuple[StudyProblem, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": str(self.study_file),
            "ok": self.ok,
            "problems": [p.to_dict() for p in self.problems],
            "notes": list(self.notes),
        }


def check_study(root: Path) -> CheckReport:
    """Every problem of the study at ``root``; :class:`StudyError` when there is no study."""
    path = Path(root) / STUDY_FILE
    if not path.is_file():
        raise StudyError(
            f"{root} is not a study: {STUDY_FILE} not found; create one with 'parkplan init {root}'"
        )
    try:
        text = path.read_bytes().decode("utf-8")
        data = tomllib.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return CheckReport(path, (_syntax_problem(exc),), ())
    validation = validate_study(data, text=text)
    checks = _Checks(Path(root), data, text, validation)
    checks.run()
    return CheckReport(path, tuple(by_line(checks.problems)), tuple(checks.notes))


def equalisation_problems(root: Path) -> tuple[StudyProblem, ...]:
    """The problems of the study's finance assumptions, keys and mechanisms, which a run
    would otherwise meet only after the scoring; nothing is read but ``study.toml``."""
    path = Path(root) / STUDY_FILE
    text = path.read_bytes().decode("utf-8")
    data = tomllib.loads(text)
    validation = validate_study(data, text=text)
    if validation.study is None:
        return tuple(validation.problems)
    checks = _Checks(Path(root), data, text, validation)
    checks.problems.clear()
    checks.equalisation(validation.study)
    return tuple(by_line(checks.problems))


def _syntax_problem(exc: Exception) -> StudyProblem:
    """The one problem of a file that is not TOML, at the line the parser names."""
    if isinstance(exc, RecursionError):
        return StudyProblem(None, "(file)", "is nested too deeply to be a study file", _TOML_FIX)
    found = re.search(r"at line (\d+)", str(exc))
    line = int(found.group(1)) if found else None
    return StudyProblem(line, "(file)", f"is not valid TOML ({exc})", _TOML_FIX)


@dataclass
class _Checks:
    """The checks of one study beyond its schema; they gather problems and notes."""

    root: Path
    data: Mapping[str, Any]
    text: str
    validation: StudyValidation
    problems: list[StudyProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.problems += self.validation.problems
        self.lines = toml_lines(self.text)
        self.columns_cache: dict[str, list[str] | None] = {}
        self.stored: dict[str, LayerInfo] = {}

    def at(self, path: TomlPath, message: str, fix: str) -> None:
        """A problem at ``path`` of the checked study (positions as in the file)."""
        original = self.validation.rest.original(path)
        self.problems.append(problem(original, message, fix, self.data, self.lines, Study))

    def run(self) -> None:
        study = self.validation.study
        if study is None:
            self.notes.append(
                "the layers, partners, keys and finance were not checked: fix the problems "
                "above first"
            )
            return
        self._note_set_aside()
        self._check_crs(study)
        self._check_model(study)
        self.equalisation(study)
        self._check_facts(study)
        workspace = self._workspace(study)
        if workspace is not None:
            self.stored = {info.name: info for info in workspace.list_layers()}
            self._check_layers(study, workspace)
            self._check_partners(study, workspace)

    def _note_set_aside(self) -> None:
        for section, names in self.validation.rest.names.items():
            if names:
                listed = isinstance(self.data.get(section), list)
                self.notes.append(
                    f"{f'[[{section}]]' if listed else f'[{section}]'} "
                    f"{', '.join(map(repr, names))}: not checked further until the problems "
                    "above are fixed"
                )

    # -- the model ------------------------------------------------------------------------

    def _check_crs(self, study: Study) -> None:
        try:
            projected_crs(study.crs, what=f"crs = {study.crs!r}")
        except GeoError as exc:
            self.at(("crs",), str(exc), "give a projected CRS in metres, e.g. EPSG:31370")

    def _check_model(self, study: Study) -> None:
        for at, criterion in enumerate(study.criteria):
            try:
                library_inputs.transform_of(criterion.transform)
            except GeoError as exc:
                self.at(("criteria", at, "transform"), str(exc), _SEE_TRANSFORMS)
        if self.validation.rest.names.get("criteria"):
            self.notes.append("the weights were not checked: some criteria have problems")
            return
        self._check_variant(study, ("weights",), ("aggregation",))
        for at, scenario in enumerate(study.scenarios):
            place = ("scenarios", at)
            self._check_variant(study.scenario(scenario.name), place, place)

    def _check_variant(
        self, variant: Study, weights_at: TomlPath, aggregation_at: TomlPath
    ) -> None:
        """Weights and aggregation of the model or of a scenario, as a run would build them."""
        try:
            weighting = library_inputs.weighting(variant)
        except (StudyError, GeoError) as exc:
            where = weights_at if variant.criteria else ("criteria",)
            self.at(where, str(exc), f"see docs/study-toml.md#{where[0]}")
        else:
            if weights_at == ("weights",):
                self.notes += _weighting_notes(weighting)
        try:
            aggregation = library_inputs.aggregation(variant)
            if aggregation.method == "owa":
                aggregation.order_weights_for(max(len(variant.criteria), 1))
        except GeoError as exc:
            self.at(aggregation_at, str(exc), "see docs/study-toml.md#aggregation")

    # -- equalisation -----------------------------------------------------------------------

    def equalisation(self, study: Study) -> None:
        """What the schema cannot check of the finance assumptions, keys and mechanisms: the
        partners they name (stand-in facts, every fact 1), and what a run would assume."""
        known = list(FinanceAssumptionsConfig.model_fields)
        illustrative = [n for n in known if n not in study.finance.assumptions.model_fields_set]
        if illustrative and "assumptions" not in self.validation.rest.names.get("finance", ()):
            self.notes.append(
                f"{len(illustrative)} of the {len(known)} finance assumptions are illustrative "
                f"defaults ({', '.join(illustrative[:4])}, ...): replace them with local figures "
                "under [finance.assumptions]"
            )
        if not study.partners:
            self.notes.append(
                "study.toml has no [[partners]]: a run scores and finds sites but does not equalise"
            )
            return
        names = [p.name for p in study.partners]
        try:
            build_mechanisms(study.mechanisms.spec(), names)
        except EqualisationError as exc:
            self.at(("mechanisms",), str(exc), "name partners of [[partners]] only")
        stand_ins = [Partner(name, 1.0, 1.0, 1.0, 1.0, 1.0, land_ha=1.0) for name in names]
        for name, key in study.keys.items():
            try:
                build_key_pair(name, key_spec(key), stand_ins, host=names[0])
            except EqualisationError as exc:
                self.at(("keys", name), str(exc), "name partners of [[partners]] only")
                continue
            for shares in (part.shares for part in key.parts() if isinstance(part, CustomKey)):
                left_out = sorted(set(names) - set(shares))
                if left_out:
                    self.notes.append(
                        f"custom key {name!r} gives no share to {', '.join(left_out)}: they pay "
                        "and receive nothing under it"
                    )

    def _check_facts(self, study: Study) -> None:
        """Unknown facts a run needs: problems when it would refuse, notes when assumed."""
        if not study.partners:
            return
        values = {p.name: {f: getattr(p, f) for f in PARTNER_FACTS} for p in study.partners}
        for fact, use in needed_facts(study).items():
            unknown = [at for at, p in enumerate(study.partners) if getattr(p, fact) is None]
            if not unknown:
                continue
            rule = assumption_rule(study, fact, values)
            for at in unknown:
                partner = study.partners[at].name
                if rule is None:
                    self.at(
                        ("partners", at, fact),
                        f"{fact} of {partner!r} is unknown, and a run needs it for {use}",
                        f'fill it in, or say in [unknowns] what to assume: fallback = "median", '
                        f"or [unknowns.assume.{fact}] with value, low, high and source",
                    )
                else:
                    self.notes.append(f"{partner}: {Assumption(partner, fact, *rule).words()}")

    # -- the workspace ---------------------------------------------------------------------

    def _workspace(self, study: Study) -> Workspace | None:
        try:
            return Workspace.open(self.root)
        except (ParkplanError, GeoError, OSError) as exc:
            where = ("workspace",) if study.workspace else ()
            self.at(where, f"the workspace cannot be opened: {exc}", _INIT_FIX)
            return None

    def _check_layers(self, study: Study, workspace: Workspace) -> None:
        for at, layer in enumerate(study.layers):
            if layer.service is not None:
                self._check_service_layer(at, layer, study)
            elif layer.name not in self.stored and not Path(layer.source).exists():
                self.at(
                    ("layers", at, "source"),
                    f"layer {layer.name!r} is not in the workspace, and its source "
                    f"{layer.source!r} does not exist (relative to the folder the command "
                    "runs in)",
                    "correct the path, or load the layer with 'parkplan layers add'",
                )
        for use in _layer_uses(study):
            self._check_use(use, workspace, study)

    def _check_service_layer(self, at: int, layer: LayerSource, study: Study) -> None:
        """A declared web-service layer the workspace lacks: its area can be known (the
        service itself is asked only by a run)."""
        assert layer.service is not None  # a web-service layer
        if layer.name in self.stored:
            return
        towns = study.region.municipalities
        declared = {item.name for item in study.layers if item.service is None}
        if layer.bbox is None and towns not in self.stored and towns not in declared:
            self.at(
                ("layers", at, "source"),
                f"layer {layer.name!r} is requested for the study area, but there is no "
                f"municipalities layer {towns!r} to take it from",
                "give bbox = [minx, miny, maxx, maxy] in the study CRS, or load the "
                "municipalities first",
            )
            return
        self.notes.append(
            f"layer {layer.name!r} is loaded by the next run from the "
            f"{SERVICES[layer.service]} at {layer.source} (not contacted by check)"
        )

    def _check_use(self, use: _LayerUse, workspace: Workspace, study: Study) -> None:
        """One setting that names a layer: the layer is there, of the kind, with the column."""
        stored = self.stored
        info = stored.get(use.layer)
        if info is None and use.layer not in {layer.name for layer in study.layers}:
            close = difflib.get_close_matches(use.layer, list(stored), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.at(
                use.path,
                f"layer {use.layer!r} is not in the workspace (layers: "
                f"{', '.join(sorted(stored)) or 'none yet'}) nor declared under [[layers]]{hint}",
                f"load it with 'parkplan layers add STUDY_DIR FILE --name {use.layer}', or "
                "declare it under [[layers]] with its source",
            )
            return
        if info is not None and info.kind != use.kind:
            self.at(use.path, f"layer {use.layer!r} is a {info.kind} layer; {use.why}", _KIND_FIX)
            return
        if use.column is None:
            return
        columns = self._columns(use.layer, workspace, study)
        if columns is not None and use.column_value not in columns:
            close = difflib.get_close_matches(str(use.column_value), columns, n=1, cutoff=0.5)
            self.at(
                use.column,
                f"layer {use.layer!r} has no column {use.column_value!r}; its columns: "
                f"{', '.join(columns) or 'none'}",
                f"write {close[0]!r}" if close else "name one of its columns",
            )

    def _columns(self, name: str, workspace: Workspace, study: Study) -> list[str] | None:
        """The attribute columns of a layer, from its metadata (``None`` when unknown)."""
        if name not in self.columns_cache:
            self.columns_cache[name] = _read_columns(name, workspace, self.stored, study)
            if self.columns_cache[name] is None:
                self.notes.append(f"the columns of layer {name!r} are checked once it is loaded")
        return self.columns_cache[name]

    def _check_partners(self, study: Study, workspace: Workspace) -> None:
        """Every partner is a municipality of the layer (the closest names are suggested)."""
        region = study.region
        if not study.partners or region.municipalities not in self.stored:
            return  # a missing layer is reported with the layers
        columns = self._columns(region.municipalities, workspace, study)
        if columns is None or region.name_column not in columns:
            return  # reported with the layers
        try:
            towns = pd.DataFrame({"name": _names(workspace, region.municipalities, region)})
        except _READ_ERRORS as exc:
            self.at(("region", "municipalities"), f"cannot read the names: {exc}", _KIND_FIX)
            return
        for at, partner in enumerate(study.partners):
            try:
                library_inputs.check_partners(
                    study.model_copy(update={"partners": [partner]}), towns
                )
            except StudyError as exc:
                message = str(exc).removesuffix("; fix the name in study.toml")
                self.at(("partners", at, "name"), message, _PARTNER_FIX)


@dataclass(frozen=True)
class _LayerUse:
    """A setting that names a layer: where, the kind it must be, and the column it reads."""

    path: TomlPath
    layer: str
    kind: str
    why: str
    column: TomlPath | None = None
    column_value: str | None = None


def _column_of(item: CriterionConfig | ExclusionConfig) -> str | None:
    """The column of the layer a criterion or an exclusion reads (``None``: its kind reads
    none)."""
    if isinstance(item, ZoningCriterion | ZoneShareCriterion | ZoningExclusion):
        return item.column
    return None


def _layer_uses(study: Study) -> Iterator[_LayerUse]:
    region = study.region
    yield _LayerUse(
        ("region", "municipalities"),
        region.municipalities,
        "vector",
        "the municipalities must be polygons",
        ("region", "name_column"),
        region.name_column,
    )
    for at, c in enumerate(study.criteria):
        kind = "raster" if c.kind == "raster" else "vector"
        value = _column_of(c)
        column = ("criteria", at, "column") if value is not None else None
        why = f"a {c.kind} criterion reads a {kind} layer"
        yield _LayerUse(("criteria", at, "layer"), c.layer, kind, why, column, value)
    for at, e in enumerate(study.exclusions):
        kind = "raster" if e.kind == "raster" else "vector"
        value = _column_of(e)
        column = ("exclusions", at, "column") if value is not None else None
        why = f"a {e.kind} exclusion reads a {kind} layer"
        yield _LayerUse(("exclusions", at, "layer"), e.layer, kind, why, column, value)
    sites = study.sites
    if sites.source == "layer" and sites.layer is not None:
        why = "candidate sites are polygons"
        id_at = ("sites", "id_column")
        yield _LayerUse(("sites", "layer"), sites.layer, "vector", why, id_at, sites.id_column)
    if study.study_area.layer is not None:
        why = "the study area is polygons"
        yield _LayerUse(("study_area", "layer"), study.study_area.layer, "vector", why)


def _read_columns(
    name: str, workspace: Workspace, stored: Mapping[str, LayerInfo], study: Study
) -> list[str] | None:
    """Columns from the stored layer's metadata, or the declared source's; ``None`` if the
    layer is neither, or its source cannot be read without loading it."""
    try:
        if name in stored:
            return [column.name for column in workspace.layer_columns(name)]
        for layer in study.layers:
            if layer.name == name and layer.service is None and Path(layer.source).is_file():
                found = source_columns(Path(layer.source), source_layer=layer.source_layer)
                return [column.name for column in found]
    except _READ_ERRORS:
        return None
    return None


def _names(workspace: Workspace, layer: str, region: RegionConfig) -> list[str]:
    """The municipality names: the one column, read without geometries."""
    frame = workspace.read_attributes(layer, [region.name_column])
    return [str(name) for name in frame[region.name_column]]


def _weighting_notes(weighting: library_inputs.Weighting) -> list[str]:
    """What a run says about the weights: rescaled, or inconsistent AHP judgements."""
    notes = [weighting.note] if weighting.note else []
    ahp = weighting.ahp
    if ahp is not None and not ahp.acceptable:
        notes.append(
            f"[weights] the AHP consistency ratio is {ahp.cr:.3f}, above 0.10: revise the "
            "judgements that deviate most (a run lists them)"
        )
    return notes


def report_lines(report: CheckReport) -> list[str]:
    """The report as the CLI prints it: one problem per line, then the notes."""
    lines = [p.text(STUDY_FILE) for p in report.problems]
    return lines + [f"note: {note}" for note in report.notes]


_SEE_TRANSFORMS = (
    "give the control points the kind and direction need; see docs/study-toml.md#transform-kinds"
)
_TOML_FIX = "fix the syntax: see https://toml.io for what TOML allows"
_KIND_FIX = "name a layer of the right kind, or load the layer again"
_INIT_FIX = "make the study with 'parkplan init', or correct the workspace URL"
_PARTNER_FIX = "write the name as the municipalities layer does"
