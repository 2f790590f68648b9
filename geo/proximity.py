"""How far a shape lies from the features of other layers.

The dossier's site sheet lists the exclusion layers near a site: for each layer, the shortest
distance d = min over its features f of dist(site, f), in metres (0 where they touch or
overlap), kept when d ≤ ``within_m``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from geopandas import GeoDataFrame
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from geo.errors import CRSError


@dataclass(frozen=True)
class NearbyLayer:
    """A layer with a feature within reach of a shape, and the shortest distance to it."""

    name: str
    distance_m: float


def layers_within(
    shape: BaseGeometry,
    crs: CRS | str | None,
    layers: Mapping[str, GeoDataFrame],
    *,
    within_m: float,
) -> tuple[NearbyLayer, ...]:
    """The layers of ``layers`` with a feature within ``within_m`` metres of ``shape`` (in
    ``crs``, projected in metres), nearest first; each distance rounded to the metre."""
    projected = CRS.from_user_input(crs) if crs is not None else None
    if projected is None or not projected.is_projected:
        raise CRSError(
            f"the shape is in {crs}; distances need a projected CRS in metres such as EPSG:31370."
        )
    found = []
    for name, frame in layers.items():
        if not len(frame):
            continue
        distance_m = float(frame.to_crs(projected).distance(shape).min())
        if distance_m <= within_m:
            found.append(NearbyLayer(name, float(round(distance_m))))
    return tuple(sorted(found, key=lambda layer: layer.distance_m))
