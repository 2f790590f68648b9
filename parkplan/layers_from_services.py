"""Load a layer of a study from a web service (WFS 2.0 or OGC API Features).

Only the study area's bounding box is requested: the bounds of the study area (the partners'
municipalities, see :func:`parkplan.library_inputs.study_area`) in the study CRS, or a ``bbox``
given when the study has no municipalities yet. The features are checked and reprojected like a
file's (:func:`geo.layers.load.prepare_vector`) and committed in one step under the study's
lock, so any failure (service, data, lock) leaves the study as it was. The catalogue entry
records the service URL (without credentials) as its source and the service provenance
(:class:`geo.layers.provenance.ServiceProvenance`) as its ``service``.

One implementation serves every way in: ``parkplan layers add --service``
(:func:`add_service_layer`), a service layer declared under ``[[layers]]`` of ``study.toml``
(:func:`load_declared_layer`, called by ``parkplan run``) and the web app (with a
:class:`~geo.layers.service_hosts.HostPolicy`). Errors name the command line's options;
:func:`in_terms` words them for the other two.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import shapely

from geo.errors import GeoError
from geo.layers.crs import Bounds, Region, as_bounds
from geo.layers.load import PreparedVector, prepare_vector
from geo.layers.provenance import LayerInfo
from geo.layers.read import Dataset, VectorRead
from geo.layers.service_hosts import HostPolicy
from geo.layers.services import (
    SERVICES,
    ServiceFeatures,
    ServiceLimits,
    check_service_url,
    fetch_features,
)
from parkplan.errors import BusyError, ParkplanError, WorkspaceError
from parkplan.library_inputs import study_area
from parkplan.study import LayerSource, Study, load_study
from parkplan.workspace import Workspace, check_layer_name
from parkplan.workspace.folder import collect_garbage, forget_cached
from parkplan.workspace.workspace import REGION

__all__ = [
    "STUDY_TERMS",
    "ServiceSource",
    "add_service_layer",
    "in_terms",
    "load_declared_layer",
    "parse_bbox",
    "study_bbox",
]

#: The keys of ``[[layers]]`` that stand for the command line's options in messages.
STUDY_TERMS = {"--layer": "source_layer", "--service": "service", "--bbox": "bbox"}
_OPTION = re.compile(r"--(layer|service|bbox)\b")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSource:
    """A layer of a web service: its URL, the service (``"wfs"`` or ``"ogcapi"``) and the
    layer (feature type or collection) name."""

    url: str
    service: str
    layer: str


def parse_bbox(text: str, crs: str) -> Bounds:
    """``"minx,miny,maxx,maxy"`` (in ``crs``) as bounds; :class:`WorkspaceError` otherwise."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not (values[0] < values[2] and values[1] < values[3]):
        raise WorkspaceError(
            f"--bbox {text!r} is not a bounding box; expected minx,miny,maxx,maxy in the study "
            f"CRS {crs} with min < max, e.g. --bbox 60000,170000,80000,190000."
        )
    return values


def in_terms(message: str, terms: Mapping[str, str]) -> str:
    """``message`` with the command line's options (``--layer``...) named by ``terms``."""
    return _OPTION.sub(lambda found: terms.get(found[0], found[0]), message)


def study_bbox(root: Path, workspace: Workspace) -> Bounds:
    """The bounds of the study area in the study CRS; a clear error when the study has no
    municipalities layer yet (then a bbox must be given)."""
    return _area_bbox(load_study(root), workspace)


def _area_bbox(study: Study, workspace: Workspace) -> Bounds:
    """The bounds of ``study``'s area in ``workspace`` (see :func:`study_bbox`)."""
    names = {info.name for info in workspace.list_layers()}
    if study.region.municipalities not in names:
        raise WorkspaceError(
            f"the study {workspace.root} has no municipalities layer "
            f"{study.region.municipalities!r} yet, so there is no study area to request; give "
            f"--bbox minx,miny,maxx,maxy in the study CRS {workspace.crs}, or load the "
            "municipalities first."
        )
    return as_bounds(study_area(study, workspace).area.total_bounds)


def add_service_layer(
    root: Path,
    source: ServiceSource,
    name: str,
    *,
    bbox: Bounds | None = None,
    replace: bool = False,
    allow_outside: bool = False,
    limits: ServiceLimits | None = None,
    hosts: HostPolicy | None = None,
) -> LayerInfo:
    """Load ``source``'s features within the study area (or ``bbox``, study CRS) as layer
    ``name`` of the study at ``root``; return its catalogue entry. ``hosts``: the hosts the
    requests may reach (default: any)."""
    workspace = Workspace.open(root)
    _check_request(workspace, source, name, replace, hosts)
    area = bbox if bbox is not None else study_bbox(root, workspace)
    fetch = _Fetch(source, area, limits, hosts)
    return _load(workspace, fetch, name, replace=replace, allow_outside=allow_outside)


def load_declared_layer(study: Study, workspace: Workspace, layer: LayerSource) -> LayerInfo:
    """Load the web-service layer that ``[[layers]]`` of ``study`` declares (``layer``) into
    ``workspace``, as ``parkplan layers add --service`` would; a failure is one line naming
    the layer and the keys of ``[[layers]]``, and leaves the workspace as it was."""
    # a service layer: the caller checked ``service``, the schema requires ``source_layer``
    assert layer.service is not None and layer.source_layer is not None
    source = ServiceSource(layer.source, layer.service, layer.source_layer)
    try:
        _check_request(workspace, source, layer.name, False, None)
        area = layer.bbox if layer.bbox is not None else _area_bbox(study, workspace)
        limits = ServiceLimits(page_size=layer.page_size) if layer.page_size else None
        fetch = _Fetch(source, area, limits, None)
        outside = layer.allow_outside
        return _load(workspace, fetch, layer.name, replace=False, allow_outside=outside)
    except BusyError:
        raise
    except (ParkplanError, GeoError) as exc:
        raise WorkspaceError(
            f"layer {layer.name!r} of [[layers]] in study.toml: {in_terms(str(exc), STUDY_TERMS)}"
        ) from exc


@dataclass(frozen=True)
class _Fetch:
    """What to ask which service: the source, the area (study CRS), limits and hosts."""

    source: ServiceSource
    area: Bounds
    limits: ServiceLimits | None
    hosts: HostPolicy | None


def _check_request(
    workspace: Workspace,
    source: ServiceSource,
    name: str,
    replace: bool,
    hosts: HostPolicy | None,
) -> None:
    check_layer_name(name)
    check_service_url(source.url, source.service, hosts)
    _check_free(workspace, name, replace)


def _load(
    workspace: Workspace, fetch: _Fetch, name: str, *, replace: bool, allow_outside: bool
) -> LayerInfo:
    source, area = fetch.source, fetch.area
    fetched = fetch_features(
        source.url, source.service, source.layer, bbox=area, bbox_crs=workspace.crs,
        limits=fetch.limits, hosts=fetch.hosts,
    )  # fmt: skip
    if fetched.frame.empty:
        raise WorkspaceError(
            f"the {SERVICES[source.service]} at {fetched.provenance.url} has no features of "
            f"{source.layer!r} in the bounding box {_shown(area)} ({workspace.crs}); expected "
            "at least one; check --layer and the study area (or --bbox)."
        )
    prepared = _prepared(workspace, fetched, name, allow_outside)
    return _commit(workspace, fetched, prepared, name, replace)


def _shown(bbox: Bounds) -> str:
    return ",".join(f"{v:.0f}" for v in bbox)


def _check_free(workspace: Workspace, name: str, replace: bool) -> None:
    if not replace and name in {info.name for info in workspace.list_layers()}:
        raise WorkspaceError(
            f"a layer named {name!r} already exists in {workspace.root}; choose another name "
            "or replace it (--replace)."
        )


def _region(workspace: Workspace, name: str) -> Region | None:
    bounds = workspace.region_bounds()
    if bounds is None or name == REGION:
        return None
    return Region(
        bounds,
        lambda: shapely.geometrycollections(workspace.read_vector(REGION).geometry.to_numpy()),
    )


def _prepared(
    workspace: Workspace, fetched: ServiceFeatures, name: str, allow_outside: bool
) -> PreparedVector:
    provenance = fetched.provenance
    dataset = Dataset(Path(provenance.layer), SERVICES[provenance.service], provenance.layer)
    read = VectorRead(fetched.frame, dataset, encoding=None, notes=())
    return prepare_vector(
        read,
        study_crs=workspace.crs,
        region=_region(workspace, name),
        allow_outside=allow_outside,
    )


def _commit(
    workspace: Workspace,
    fetched: ServiceFeatures,
    prepared: PreparedVector,
    name: str,
    replace: bool,
) -> LayerInfo:
    """Store the features and enter them in the catalogue in one commit under the lock."""
    store, provenance = workspace.store, fetched.provenance
    with store.transaction():
        with store.write_vector(prepared.frame, name) as stored:
            info = LayerInfo(
                name=name,
                kind="vector",
                crs=workspace.crs,
                source=provenance.url,
                sha256=fetched.sha256,
                source_crs=prepared.source_crs,
                loaded_at=provenance.retrieved_at,
                validation=prepared.validation,
                bounds=prepared.bounds,
                stored=stored,
                source_format=SERVICES[provenance.service],
                source_layer=provenance.layer,
                geometry_type=prepared.geometry_type,
                feature_count=len(prepared.frame),
                service=provenance,
            )
            with workspace.lock():
                collect_garbage(workspace.folder, store.referenced_files())
                _check_free(workspace, name, replace)
                previous = store.entries().get(name)
                store.commit(add=info)
        if previous is not None:
            _forget(workspace, previous)
    logger.info("loaded %s %r as %r", provenance.url, provenance.layer, name)
    return info


def _forget(workspace: Workspace, info: LayerInfo) -> None:
    """Drop the data of the replaced entry ``info`` once the new one has committed."""
    if info.kind == "vector":
        workspace.store.forget_vector(info)

    def forget_files() -> None:
        if info.kind == "raster":
            (workspace.folder / info.stored).unlink(missing_ok=True)
        forget_cached(workspace.folder, info)

    workspace.store.after_commit(forget_files)
