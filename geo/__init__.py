"""geo: the spatial library of parkplan.

Layers are read, checked and stored (:mod:`~geo.layers`); criteria (:mod:`~geo.criteria`) and
exclusions (:mod:`~geo.exclusions`) are scored block by block on a :class:`Grid` by the engine
(:mod:`~geo.engine`); candidate sites are found in the score raster (:mod:`~geo.regions`),
scored (:mod:`~geo.zonal`) and split by municipality (:mod:`~geo.split`);
:mod:`~geo.robustness` and :mod:`~geo.sensitivity` tell how firm the ranking is. The heavy
work runs in this process or on a Dask cluster (:mod:`~geo.runners`).

Main entry points (imported on first use, so that ``import geo`` stays light):

- :func:`score` — the suitability engine, returns a :class:`SuitabilityResult`;
- :class:`Aggregation` — how the criteria combine (WLC, WGM, min, OWA);
- :func:`ahp_weights` (an :class:`AHPResult`), :func:`direct_weights`, :func:`rank_weights` —
  the criterion weights;
- :class:`Transform`, :func:`standardise` — criterion values to 0-1 scores;
- :func:`extract_regions` — the candidate sites; :func:`split_by_municipality`;
- :func:`weight_monte_carlo` — the ranking under drawn weights (and transforms), a
  :class:`RobustnessResult`;
- :func:`resolved_source`, :func:`read_vector` — reading a layer.
"""

from importlib import import_module

_WHERE = {
    "Aggregation": "geo.aggregation",
    "SuitabilityResult": "geo.engine",
    "score": "geo.engine",
    "Grid": "geo.grid",
    "read_vector": "geo.layers.read",
    "resolved_source": "geo.layers.read",
    "extract_regions": "geo.regions",
    "RobustnessResult": "geo.robustness",
    "weight_monte_carlo": "geo.robustness",
    "split_by_municipality": "geo.split",
    "Transform": "geo.transforms",
    "standardise": "geo.transforms",
    "AHPResult": "geo.weights",
    "ahp_weights": "geo.weights",
    "direct_weights": "geo.weights",
    "rank_weights": "geo.weights",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
