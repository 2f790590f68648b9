"""The QGIS project of a run: ``project.qgz`` in the run's folder, opening every result styled.

A ``.qgz`` is a zip holding one ``.qgs`` XML document; it is built here with
:mod:`xml.etree.ElementTree`, which escapes the text of the data (study, criterion and layer
names, the base map's label and address), so no QGIS is needed to write it. The layer tree,
top to bottom:

- *results*: the sites (graduated by score on the map's ramp, labelled by rank) and the sites
  cut by municipality (hidden);
- *area*: the municipalities (outlined and named) and the exclusion mask;
- *suitability*: the score raster in the map's colour ramp;
- *criteria* (hidden): each standardised criterion surface of ``criteria/``;
- *base map* (when ``[basemap]`` is set): XYZ tiles, a WMS or a WMTS layer.

The styles are those of the run's files (:mod:`parkplan.styles`: the ``layer_styles`` of
``sites.gpkg``, ``suitability.qml``), embedded in each layer. Every file is named relative to
the project (``./sites.gpkg|layername=sites``) and the project says its paths are relative,
so the run's folder (or its export) can be moved and still opens. The project's CRS is the
study's, and it opens on the study area (the score raster's extent).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import rasterio
from pyproj import CRS

from geo.atomic import atomic_path
from parkplan import gis_outputs, styles
from parkplan.errors import StudyError
from parkplan.outputs import SITES_GPKG
from parkplan.pipeline import SCORE_RASTER
from parkplan.study import Study

PROJECT_QGZ = "project.qgz"
#: The name of the XML document inside the zip.
PROJECT_QGS = "project.qgs"
CRITERIA_DIR = "criteria"
#: The QGIS version the project declares: the oldest it is checked with (QGIS 3.22 LTR).
PROJECT_VERSION = "3.22.0"
QGS_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
#: The CRS of XYZ tiles and of a WMTS's tile matrix set (the schema asks Web Mercator).
WEB_MERCATOR = "EPSG:3857"
XYZ_ZOOM = (0, 19)
CHECKED = {True: "Qt::Checked", False: "Qt::Unchecked"}
#: Prefix of the layers' ids: QGIS replaces an id of 10 characters or fewer by a new one,
#: which the layer tree would then no longer name.
ID_PREFIX = "parkplan_"

#: The names in the layer tree, per language of the run.
WORDS = {
    "nl": {
        "title": "{study} — berekening {run}",
        "results": "Resultaten",
        "sites": "Kandidaat-locaties (score, rang)",
        "site_pieces": "Locaties per gemeente",
        "area": "Gebied",
        "municipalities": "Gemeenten",
        "exclusion_mask": "Uitsluitingen",
        "suitability": "Geschiktheid",
        "score": "Geschiktheidsscore (0–1)",
        "criteria": "Criteria (gestandaardiseerd 0–1)",
        "basemap": "Achtergrondkaart",
    },
    "en": {
        "title": "{study} — run {run}",
        "results": "Results",
        "sites": "Candidate sites (score, rank)",
        "site_pieces": "Sites by municipality",
        "area": "Area",
        "municipalities": "Municipalities",
        "exclusion_mask": "Exclusions",
        "suitability": "Suitability",
        "score": "Suitability score (0–1)",
        "criteria": "Criteria (standardised 0–1)",
        "basemap": "Base map",
    },
}


@dataclass(frozen=True)
class ProjectLayer:
    """One layer of the project: its id, name, ``vector`` or ``raster``, data source (a path
    relative to the project, or a web service), QGIS provider, CRS, embedded QML style and
    whether it is shown on opening; ``attribution`` for a web layer."""

    layer_id: str
    name: str
    kind: str
    source: str
    provider: str
    crs: str
    qml: str | None = None
    visible: bool = True
    attribution: str | None = None


@dataclass(frozen=True)
class ProjectGroup:
    """A group of the layer tree and its layers, top first."""

    name: str
    layers: tuple[ProjectLayer, ...]
    visible: bool = True


@dataclass(frozen=True)
class Extent:
    """A rectangle in the project's CRS."""

    x_min: float
    y_min: float
    x_max: float
    y_max: float


# -- the layers of a run --------------------------------------------------------------------


def write_qgis_project(folder: Path, study: Study, run_id: str, *, lang: str = "nl") -> Path:
    """``project.qgz`` in the run's ``folder`` (atomically), from the files the run wrote."""
    words = WORDS.get(lang, WORDS["en"])
    title = words["title"].format(study=study.name, run=run_id)
    groups = run_groups(folder, study, words)
    extent = study_extent(folder)
    return write_qgz(project_xml(title, study.crs, extent, groups), folder / PROJECT_QGZ)


def run_groups(folder: Path, study: Study, words: dict[str, str]) -> tuple[ProjectGroup, ...]:
    """The groups of the layer tree, of the layers present in the run's ``folder``."""
    vectors = vector_layers(folder, study.crs, words)
    groups = [
        ProjectGroup(words["results"], _pick(vectors, "sites", "site_pieces")),
        ProjectGroup(words["area"], _pick(vectors, "municipalities", "exclusion_mask")),
        ProjectGroup(words["suitability"], score_layers(folder, study.map.ramp, words)),
        ProjectGroup(words["criteria"], criterion_layers(folder), visible=False),
    ]
    if study.basemap is not None:
        groups.append(ProjectGroup(words["basemap"], (basemap_layer(study.basemap, study.crs),)))
    return tuple(group for group in groups if group.layers)


def _pick(layers: dict[str, ProjectLayer], *ids: str) -> tuple[ProjectLayer, ...]:
    return tuple(layers[i] for i in ids if i in layers)


def layer_id(key: str) -> str:
    """The id of a layer of the project: ``parkplan_KEY``."""
    return f"{ID_PREFIX}{key}"


def vector_layers(folder: Path, crs: str, words: dict[str, str]) -> dict[str, ProjectLayer]:
    """The layers of ``sites.gpkg`` with the styles it stores, by layer name (the site
    pieces hidden: they lie under the sites)."""
    gpkg = folder / SITES_GPKG
    if not gpkg.is_file():
        return {}
    return {
        stored.name: ProjectLayer(
            layer_id=layer_id(stored.name),
            name=words.get(stored.name, stored.name),
            kind="vector",
            source=f"./{gpkg.name}|layername={stored.name}",
            provider="ogr",
            crs=stored.crs or crs,
            qml=stored.qml,
            visible=stored.name != gis_outputs.PIECES_LAYER,
        )
        for stored in gis_outputs.stored_layers(gpkg)
    }


def score_layers(folder: Path, ramp: str, words: dict[str, str]) -> tuple[ProjectLayer, ...]:
    """The score raster in the map's ramp (the style of its ``suitability.qml``), when
    present."""
    if not (folder / SCORE_RASTER).is_file():
        return ()
    qml = styles.score_raster_qml(ramp)
    return (_raster("suitability", words["score"], SCORE_RASTER, folder, qml),)


def criterion_layers(folder: Path) -> tuple[ProjectLayer, ...]:
    """Each standardised criterion surface in ``criteria/`` (named after its file), in the
    map's criterion ramp."""
    found = sorted((folder / CRITERIA_DIR).glob("*.tif"))
    qml = styles.criterion_raster_qml()
    return tuple(
        _raster(f"criterion_{index}", path.stem, f"{CRITERIA_DIR}/{path.name}", folder, qml)
        for index, path in enumerate(found, start=1)
    )


def _raster(key: str, name: str, relative: str, folder: Path, qml: str) -> ProjectLayer:
    """The raster ``relative`` to the run's ``folder``, in its own CRS."""
    crs = raster_crs(folder / relative)
    return ProjectLayer(layer_id(key), name, "raster", f"./{relative}", "gdal", crs, qml)


def raster_crs(path: Path) -> str:
    """The CRS of a raster as ``AUTHORITY:CODE`` (else its WKT)."""
    with rasterio.open(path) as raster:
        return _crs_name(CRS.from_wkt(raster.crs.to_wkt()))


def _crs_name(crs: CRS) -> str:
    authority = crs.to_authority(min_confidence=90)
    return ":".join(authority) if authority else crs.to_wkt()


def study_extent(folder: Path) -> Extent | None:
    """The extent of the run's score raster (the study area's grid), when present."""
    path = folder / SCORE_RASTER
    if not path.is_file():
        return None
    with rasterio.open(path) as raster:
        return Extent(*raster.bounds)


# -- the base map ---------------------------------------------------------------------------


def basemap_layer(basemap, crs: str) -> ProjectLayer:
    """The base map of ``[basemap]``: XYZ tiles, a WMS or a WMTS layer (``kind``)."""
    source, layer_crs = basemap_source(basemap, crs)
    return ProjectLayer(
        layer_id=layer_id("basemap"),
        name=basemap.label,
        kind="raster",
        source=source,
        provider="wms",
        crs=layer_crs,
        attribution=basemap.attribution,
    )


def basemap_source(basemap, crs: str) -> tuple[str, str]:
    """``(data source, CRS)`` of the base map for QGIS's WMS provider: XYZ tiles in Web
    Mercator, a WMS in the study's CRS ``crs``, a WMTS in its (Web Mercator) tile matrix set.
    Each value is percent-encoded, so ``&`` and ``=`` in an address stay in it."""
    kind = getattr(basemap, "kind", "xyz")
    image = getattr(basemap, "format", None) or "image/png"
    style = getattr(basemap, "style", None) or ""
    names = _split(getattr(basemap, "layers", None))
    if kind == "xyz":
        low, high = XYZ_ZOOM
        pairs = [("type", "xyz"), ("url", basemap.url), ("zmax", str(high)), ("zmin", str(low))]
        return encoded_uri(pairs), WEB_MERCATOR
    if kind == "wms":
        given = _split(style)
        styled = [given[i] if i < len(given) else "" for i in range(len(names))]
        listed = [("layers", n) for n in names] + [("styles", s) for s in styled]
        return encoded_uri(_ogc_pairs(crs, image, listed, basemap.url)), crs
    if kind == "wmts":
        matrix_set = getattr(basemap, "tile_matrix_set", None) or ""
        listed = [("layers", ",".join(names)), ("styles", style.strip() or "default")]
        listed.append(("tileMatrixSet", matrix_set))
        url = wmts_capabilities_url(basemap.url)
        return encoded_uri(_ogc_pairs(WEB_MERCATOR, image, listed, url)), WEB_MERCATOR
    raise StudyError(f"basemap kind {kind!r} is unknown; expected xyz, wms or wmts")


def _split(names: str | None) -> list[str]:
    """The comma-separated names, stripped (an empty name kept between commas)."""
    return [name.strip() for name in names.split(",")] if names else []


def _ogc_pairs(crs: str, image: str, listed: list, url: str) -> list[tuple[str, str]]:
    head = [("contextualWMSLegend", "0"), ("crs", crs), ("dpiMode", "7")]
    return [*head, ("featureCount", "10"), ("format", image), *listed, ("url", url)]


def wmts_capabilities_url(url: str) -> str:
    """The address of a WMTS's capabilities (QGIS asks a WMS's otherwise):
    ``URL?SERVICE=WMTS&REQUEST=GetCapabilities`` unless ``url`` already names them."""
    lowered = url.lower()
    if "service=wmts" in lowered or lowered.endswith("wmtscapabilities.xml"):
        return url
    separator = "" if url.endswith(("?", "&")) else "&" if "?" in url else "?"
    return f"{url}{separator}SERVICE=WMTS&REQUEST=GetCapabilities"


def encoded_uri(pairs: Iterable[tuple[str, str]]) -> str:
    """``key=value&…`` with each key and value percent-encoded (``/`` and ``:`` kept)."""
    return "&".join(f"{quote(key, safe='')}={quote(value, safe='/:')}" for key, value in pairs)


# -- the document ---------------------------------------------------------------------------


def project_xml(
    title: str, crs: str, extent: Extent | None, groups: Sequence[ProjectGroup]
) -> ET.Element:
    """The ``.qgs`` document: title, CRS, layer tree, layers, relative paths, extent."""
    root = ET.Element("qgis", projectname=title, version=PROJECT_VERSION)
    ET.SubElement(root, "homePath", path="")
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "projectCrs").append(spatialrefsys(crs))
    root.append(layer_tree(groups))
    if extent is not None:
        root.append(_map_canvas(crs, extent))
    listed = ET.SubElement(root, "projectlayers")
    for group in groups:
        for layer in group.layers:
            listed.append(map_layer(layer))
    order = ET.SubElement(root, "layerorder")
    for group in groups:
        for layer in group.layers:
            ET.SubElement(order, "layer", id=layer.layer_id)
    root.append(_properties())
    if extent is not None:
        root.append(_view_settings(crs, extent))
    return root


def spatialrefsys(crs: str) -> ET.Element:
    """QGIS's description of a CRS: its WKT (which QGIS reads first) and code."""
    parsed = CRS.from_user_input(crs)
    element = ET.Element("spatialrefsys")
    authority = parsed.to_authority(min_confidence=90)
    for tag, text in (
        ("wkt", parsed.to_wkt()),
        ("srid", authority[1] if authority else ""),
        ("authid", ":".join(authority) if authority else ""),
        ("description", parsed.name),
        ("geographicflag", "true" if parsed.is_geographic else "false"),
    ):
        ET.SubElement(element, tag).text = text
    return element


def layer_tree(groups: Sequence[ProjectGroup]) -> ET.Element:
    """The layer tree: one group per :class:`ProjectGroup`, its layers in order."""
    tree = ET.Element("layer-tree-group")
    ET.SubElement(tree, "customproperties")
    for group in groups:
        node = ET.SubElement(
            tree, "layer-tree-group", name=group.name, checked=CHECKED[group.visible]
        )
        node.set("expanded", "1")
        ET.SubElement(node, "customproperties")
        for layer in group.layers:
            leaf = ET.SubElement(node, "layer-tree-layer", id=layer.layer_id, name=layer.name)
            leaf.set("source", layer.source)
            leaf.set("providerKey", layer.provider)
            leaf.set("checked", CHECKED[layer.visible])
            leaf.set("expanded", "0")
            ET.SubElement(leaf, "customproperties")
    ET.SubElement(tree, "custom-order", enabled="0")
    return tree


def map_layer(layer: ProjectLayer) -> ET.Element:
    """A ``maplayer``: id, source, name, CRS, provider, then its style's elements."""
    element = ET.Element("maplayer", type=layer.kind)
    if layer.kind == "vector":
        element.set("geometry", "Polygon")
    ET.SubElement(element, "id").text = layer.layer_id
    ET.SubElement(element, "datasource").text = layer.source
    ET.SubElement(element, "layername").text = layer.name
    ET.SubElement(element, "srs").append(spatialrefsys(layer.crs))
    provider = ET.SubElement(element, "provider")
    provider.text = layer.provider
    if layer.kind == "vector":
        provider.set("encoding", "UTF-8")
    if layer.attribution:
        ET.SubElement(element, "attribution").text = layer.attribution
    if layer.qml:
        embed_style(element, layer.qml)
    elif layer.kind == "raster":
        ET.SubElement(element, "blendMode").text = "0"
    return element


def embed_style(element: ET.Element, qml: str) -> None:
    """Put a QML style's elements (and its ``labelsEnabled``) into a ``maplayer``."""
    style = ET.fromstring(qml)
    if "labelsEnabled" in style.attrib:
        element.set("labelsEnabled", style.attrib["labelsEnabled"])
    element.extend(list(style))


def _corners(extent: Extent) -> dict[str, str]:
    """QGIS's names of the extent's corners and their values."""
    return {
        "xmin": repr(float(extent.x_min)),
        "ymin": repr(float(extent.y_min)),
        "xmax": repr(float(extent.x_max)),
        "ymax": repr(float(extent.y_max)),
    }


def _extent(tag: str, extent: Extent) -> ET.Element:
    element = ET.Element(tag)
    for name, value in _corners(extent).items():
        ET.SubElement(element, name).text = value
    return element


def _map_canvas(crs: str, extent: Extent) -> ET.Element:
    canvas = ET.Element("mapcanvas", name="theMapCanvas", annotationsVisible="1")
    ET.SubElement(canvas, "units").text = "meters"
    canvas.append(_extent("extent", extent))
    ET.SubElement(canvas, "rotation").text = "0"
    ET.SubElement(canvas, "destinationsrs").append(spatialrefsys(crs))
    return canvas


def _view_settings(crs: str, extent: Extent) -> ET.Element:
    settings = ET.Element("ProjectViewSettings", UseProjectScales="0", rotation="0")
    ET.SubElement(settings, "Scales")
    default = ET.SubElement(settings, "DefaultViewExtent", _corners(extent))
    default.append(spatialrefsys(crs))
    return settings


def _properties() -> ET.Element:
    properties = ET.Element("properties")
    paths = ET.SubElement(properties, "Paths")
    ET.SubElement(paths, "Absolute", type="bool").text = "false"
    refsys = ET.SubElement(properties, "SpatialRefSys")
    ET.SubElement(refsys, "ProjectionsEnabled", type="int").text = "1"
    return properties


def qgs_text(root: ET.Element) -> str:
    """The ``.qgs`` document as text, with QGIS's doctype."""
    ET.indent(root)
    return QGS_DOCTYPE + ET.tostring(root, encoding="unicode") + "\n"


def write_qgz(root: ET.Element, target: Path) -> Path:
    """``target`` (atomically): a zip holding the document as :data:`PROJECT_QGS`."""
    entry = zipfile.ZipInfo(PROJECT_QGS, date_time=datetime.now().timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    with atomic_path(target) as temp, zipfile.ZipFile(temp, "w") as archive:
        archive.writestr(entry, qgs_text(root).encode("utf-8"))
    return target
