"""webmap: the presentation of parkplan's results — interactive maps, the report, web assets.

Pure functions of in-memory results to HTML; nothing here runs a model or reads a study.

- :func:`webmap.maps.site_map`, :func:`webmap.maps.map_html`, :func:`webmap.maps.compare_html`
- :func:`webmap.report.report_html`, :func:`webmap.pdf.html_to_pdf`
- :func:`webmap.assets.fetch_assets`, :class:`webmap.assets.AssetSource`,
  :func:`webmap.assets.inline_assets`
- inputs: :class:`webmap.model.MapData`, :class:`webmap.model.ScoreOverlay`,
  :class:`webmap.model.ReportData`, :class:`webmap.model.SiteSheet`
"""

from webmap.assets import AssetSource, fetch_assets, inline_assets
from webmap.maps import compare_html, map_html, site_map
from webmap.model import MapData, ReportData, ScoreOverlay, SiteSheet
from webmap.pdf import html_to_pdf
from webmap.report import report_html, site_sheet, top_sheets

__all__ = [
    "AssetSource",
    "MapData",
    "ReportData",
    "ScoreOverlay",
    "SiteSheet",
    "compare_html",
    "fetch_assets",
    "html_to_pdf",
    "inline_assets",
    "map_html",
    "report_html",
    "site_map",
    "site_sheet",
    "top_sheets",
]
