"""webmap: the presentation of parkplan's results — interactive maps, the dossier, web assets.

Functions of result objects to HTML; nothing here runs a model or reads a study. (Printing a
dossier to PDF drives headless Chromium, and fetching the web assets runs npm: both at the edge,
in :mod:`webmap.pdf` and :mod:`webmap.assets`.)

Main entry points (imported on first use, so that ``import webmap`` stays light):

- :func:`map_html`, :func:`compare_html`, :func:`site_map` — the interactive maps;
- :func:`report_html` — the dossier; :func:`html_to_pdf` — printed by Chromium;
- :func:`fetch_assets`, :class:`AssetSource`, :func:`inline_assets` — offline web assets;
- inputs: :class:`MapData`, :class:`ScoreOverlay`, :class:`ReportData`, :class:`SiteSheet`.
"""

from importlib import import_module

_WHERE = {
    "AssetSource": "webmap.assets",
    "fetch_assets": "webmap.assets",
    "inline_assets": "webmap.assets",
    "compare_html": "webmap.maps",
    "map_html": "webmap.maps",
    "site_map": "webmap.maps",
    "MapData": "webmap.map_data",
    "ReportData": "webmap.report_model",
    "ScoreOverlay": "webmap.map_data",
    "SiteSheet": "webmap.report_model",
    "html_to_pdf": "webmap.pdf",
    "report_html": "webmap.report",
    "site_sheet": "webmap.report",
    "top_sheets": "webmap.report",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'webmap' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
