"""The QGIS project of a run: its structure (no QGIS needed) and real QGIS opening it.

The round trip runs the system Python with Debian's ``python3-qgis`` on ``tests/qgis_check.py``
(headless), on a copy of the run's folder elsewhere, so that only relative paths can work.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, parse_qsl

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from study_support import make_small_study
from wms_support import FILL, mapserver_wms

from parkplan import gis_outputs, qgis_project, styles
from parkplan.export import export_run
from parkplan.run import run_study
from parkplan.study import STUDY_FILE, BasemapConfig, parse_study, read_study, save_study
from webmap.colours import CRITERION_RAMP, RAMPS

SYSTEM_PYTHON = Path("/usr/bin/python3")
CHECK_SCRIPT = Path(__file__).resolve().parents[1] / "qgis_check.py"
#: Names that are data, not markup: they must come back from the XML as they were written.
STUDY_NAME = 'Kleine <studie> & "zo"'
TILES = "https://tiles.parkplan.invalid/{z}/{x}/{y}.png?key=a&style=b%2Cc"
BASEMAP = {"url": TILES, "attribution": "© Kaart <&> bijdragers", "label": "Achter<grond> & co"}
RAMP = "cividis"
SCORE_ITEMS = "pipe/rasterrenderer/rastershader/colorrampshader/item"


def make_study(root: Path) -> Path:
    """The small study with neighbours, a base map, the cividis ramp and an awkward name."""
    make_small_study(root, context=True)
    data = tomllib.loads((root / STUDY_FILE).read_text(encoding="utf-8"))
    data |= {"name": STUDY_NAME, "basemap": BASEMAP, "map": {"ramp": RAMP}}
    save_study(parse_study(data), root)
    return root


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_study(make_study(tmp_path_factory.mktemp("qgis") / "study"), equalise=False)


@pytest.fixture(scope="module")
def document(run) -> ET.Element:
    with zipfile.ZipFile(run.folder / qgis_project.PROJECT_QGZ) as archive:
        return ET.fromstring(archive.read(qgis_project.PROJECT_QGS))


def map_layers(document: ET.Element) -> dict[str, ET.Element]:
    return {layer.findtext("id"): layer for layer in document.iter("maplayer")}


def layer_of(document: ET.Element, key: str) -> ET.Element:
    return map_layers(document)[qgis_project.layer_id(key)]


def canonical(element: ET.Element) -> str:
    """The element as canonical XML, indentation left out."""
    return ET.canonicalize(ET.tostring(element), strip_text=True)


def colours(elements) -> list[str]:
    """``#rrggbb`` of each fill symbol's ``color`` option, or each ramp item's ``color``."""
    found = []
    for element in elements:
        option = element.find("layer/Option/Option[@name='color']")
        if option is None:
            found.append(element.get("color"))
            continue
        red, green, blue = map(int, option.get("value").split(",")[:3])
        found.append(f"#{red:02x}{green:02x}{blue:02x}")
    return found


# -- the .qgz as written --------------------------------------------------------------------


def test_the_run_writes_one_readable_qgs_in_a_zip(run):
    path = run.folder / qgis_project.PROJECT_QGZ
    assert path.stat().st_mode & 0o644 == 0o644
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == [qgis_project.PROJECT_QGS]
        text = archive.read(qgis_project.PROJECT_QGS).decode("utf-8")
    assert text.startswith("<!DOCTYPE qgis")
    assert str(run.folder) not in text and str(run.root) not in text
    facts = json.loads((run.folder / "run.json").read_text(encoding="utf-8"))
    assert qgis_project.PROJECT_QGZ in facts["outputs"]
    # no stable path in the study folder: the rasters it names are only in the run's folder
    assert run.files[qgis_project.PROJECT_QGZ] == run.root / "runs" / "latest" / "project.qgz"
    assert run.files[qgis_project.PROJECT_QGZ].resolve() == path


def test_title_crs_extent_and_relative_paths(run, document):
    title = f"{STUDY_NAME} — berekening {run.run.run_id}"
    assert document.findtext("title") == title and document.get("projectname") == title
    assert document.findtext("projectCrs/spatialrefsys/authid") == "EPSG:31370"
    assert document.findtext("properties/Paths/Absolute") == "false"
    with rasterio.open(run.folder / "suitability.tif") as raster:
        bounds = list(raster.bounds)
    view = document.find("ProjectViewSettings/DefaultViewExtent")
    assert [float(view.get(k)) for k in ("xmin", "ymin", "xmax", "ymax")] == bounds
    canvas = document.find("mapcanvas/extent")
    assert [float(canvas.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")] == bounds


def test_every_file_source_is_relative_and_present(run, document):
    layers = map_layers(document)
    files = [layer for layer in layers.values() if layer.findtext("provider") != "wms"]
    assert len(files) == len(layers) - 1
    for layer in files:
        source = layer.findtext("datasource")
        assert source.startswith("./"), source
        path, _, options = source.partition("|")
        assert (run.folder / path).is_file(), source
        if options:
            assert options.removeprefix("layername=") in pyogrio.list_layers(run.folder / path)
    criteria = sorted(p.name for p in (run.folder / "criteria").glob("*.tif"))
    assert criteria == ["road.tif", "station.tif"]
    named = [layers[qgis_project.layer_id(f"criterion_{i}")] for i in (1, 2)]
    assert [layer.findtext("datasource") for layer in named] == [
        f"./criteria/{name}" for name in criteria
    ]


def test_every_layer_is_in_the_layer_tree_and_the_order_once(document):
    ids = [layer.findtext("id") for layer in document.iter("maplayer")]
    tree = [leaf.get("id") for leaf in document.iter("layer-tree-layer")]
    order = [layer.get("id") for layer in document.find("layerorder")]
    assert sorted(ids) == sorted(tree) == sorted(order) and len(set(ids)) == len(ids)
    # QGIS gives a layer whose id has 10 characters or fewer a new id, lost to the tree
    assert all(len(i) > 10 for i in ids)
    for leaf in document.iter("layer-tree-layer"):
        layer = map_layers(document)[leaf.get("id")]
        assert leaf.get("source") == layer.findtext("datasource")
        assert leaf.get("providerKey") == layer.findtext("provider")


def test_groups_in_order_with_what_is_shown_on_opening(document):
    groups = document.find("layer-tree-group").findall("layer-tree-group")
    shown = {
        group.get("name"): [
            (leaf.get("id").removeprefix(qgis_project.ID_PREFIX), leaf.get("checked"))
            for leaf in group.findall("layer-tree-layer")
        ]
        for group in groups
    }
    on, off = "Qt::Checked", "Qt::Unchecked"
    assert shown == {
        "Resultaten": [("sites", on), ("site_pieces", off)],
        "Gebied": [("municipalities", on), ("exclusion_mask", on)],
        "Geschiktheid": [("suitability", on)],
        "Criteria (gestandaardiseerd 0–1)": [("criterion_1", on), ("criterion_2", on)],
        "Achtergrondkaart": [("basemap", on)],
    }
    assert [g.get("checked") for g in groups] == [on, on, on, off, on]


def test_vector_layers_embed_the_styles_of_the_geopackage(run, document):
    stored = {s.name: s.qml for s in gis_outputs.stored_layers(run.folder / "sites.gpkg")}
    assert set(stored) == {"sites", "site_pieces", "exclusion_mask", "municipalities"}
    for name, qml in stored.items():
        layer, style = layer_of(document, name), ET.fromstring(qml)
        for tag in ("renderer-v2", "labeling"):
            expected = style.find(tag)
            written = layer.find(tag)
            assert (written is None) == (expected is None), (name, tag)
            if expected is not None:
                assert canonical(written) == canonical(expected), (name, tag)
        assert layer.get("labelsEnabled") == style.get("labelsEnabled")
    sites = layer_of(document, "sites")
    assert sites.find("renderer-v2").get("type") == "graduatedSymbol"
    assert colours(sites.iter("symbol")) == list(RAMPS[RAMP])
    assert sites.find("labeling/settings/text-style").get("fieldName") == "rank"
    assert sites.get("labelsEnabled") == "1"


def test_municipalities_are_outlined_and_named(run, document):
    towns = layer_of(document, "municipalities")
    renderer = towns.find("renderer-v2")
    names = ["Aarbeke", "Bovendijk", "Calvene", "Dorpveld", "Zeeuwkerke"]
    assert [c.get("value") for c in renderer.iter("category")] == names
    for symbol in renderer.iter("symbol"):
        assert symbol.find("layer/Option/Option[@name='style']").get("value") == "no"
        assert symbol.find("layer/Option/Option[@name='outline_color']").get("value") == (
            "85,85,85,255"
        )
    assert towns.find("labeling/settings/text-style").get("fieldName") == "name"
    read = pyogrio.read_dataframe(run.folder / "sites.gpkg", layer="municipalities")
    assert sorted(read["name"]) == names and set(read["run_id"]) == {run.run.run_id}


def test_borders_are_stroked_not_filled_in_sld_too():
    style = styles.border_style("municipalities", "name", ["B", "A"])
    sld = ET.fromstring(styles.vector_sld(style, "municipalities"))
    symbolizers = list(sld.iter(f"{{{styles.SLD_NS}}}PolygonSymbolizer"))
    assert len(symbolizers) == 2
    for symbolizer in symbolizers:
        assert symbolizer.find(f"{{{styles.SLD_NS}}}Fill") is None
        stroke = symbolizer.find(f"{{{styles.SLD_NS}}}Stroke/{{{styles.SLD_NS}}}CssParameter")
        assert stroke.text == styles.BORDER


def test_the_export_holds_the_project_and_every_file_it_names(run, document, tmp_path):
    exported = export_run(run.root, tmp_path / "export", pdf=False)
    assert (exported.folder / qgis_project.PROJECT_QGZ).is_file()
    for layer in map_layers(document).values():
        if layer.findtext("provider") != "wms":
            path = layer.findtext("datasource").partition("|")[0]
            assert (exported.folder / path).is_file(), path


def test_rasters_use_the_map_ramps(document):
    score = layer_of(document, "suitability")
    assert score.find("pipe/rasterrenderer").get("type") == "singlebandpseudocolor"
    items = score.findall(SCORE_ITEMS)
    assert colours(items) == list(RAMPS[RAMP])
    assert [float(i.get("value")) for i in items] == pytest.approx(
        np.linspace(0, 1, len(RAMPS[RAMP]))
    )
    written = ET.fromstring(styles.score_raster_qml(RAMP))
    assert canonical(score.find("pipe")) == canonical(written.find("pipe"))
    for key in ("criterion_1", "criterion_2"):
        assert colours(layer_of(document, key).findall(SCORE_ITEMS)) == list(CRITERION_RAMP)


def test_the_basemap_keeps_its_address_and_names_as_data(document):
    basemap = layer_of(document, "basemap")
    assert basemap.findtext("layername") == BASEMAP["label"]
    assert basemap.findtext("attribution") == BASEMAP["attribution"]
    assert basemap.findtext("provider") == "wms"
    assert basemap.findtext("srs/spatialrefsys/authid") == "EPSG:3857"
    source = basemap.findtext("datasource")
    assert dict(parse_qsl(source)) == {"type": "xyz", "url": TILES, "zmax": "19", "zmin": "0"}
    assert source.count("&") == 3  # the address's own & and % are encoded


# -- the base map's data sources ------------------------------------------------------------


def source_params(source: str) -> dict[str, list[str]]:
    return parse_qs(source, keep_blank_values=True)


def test_a_wms_asks_each_layer_in_the_study_crs():
    config = BasemapConfig(
        kind="wms",
        url="https://geo.example.org/wms?map=a&b=c",
        layers="Ortho 2023, GRB&gebouwen",
        style="kleur",
        attribution="AIV",
    )
    source, crs = qgis_project.basemap_source(config, "EPSG:31370")
    params = source_params(source)
    assert crs == "EPSG:31370" and params["crs"] == ["EPSG:31370"]
    assert params["layers"] == ["Ortho 2023", "GRB&gebouwen"]
    assert params["styles"] == ["kleur", ""]
    assert params["url"] == ["https://geo.example.org/wms?map=a&b=c"]
    assert params["format"] == ["image/png"]


def test_a_wmts_asks_the_capabilities_of_its_tile_matrix_set():
    config = BasemapConfig(
        kind="wmts",
        url="https://geo.example.org/GRB/wmts",
        layers="grb_bsk",
        tile_matrix_set="GoogleMapsVL",
        format="image/jpeg",
        attribution="AIV",
    )
    source, crs = qgis_project.basemap_source(config, "EPSG:31370")
    params = source_params(source)
    assert crs == "EPSG:3857" and params["crs"] == ["EPSG:3857"]
    assert params["layers"] == ["grb_bsk"] and params["styles"] == ["default"]
    assert params["tileMatrixSet"] == ["GoogleMapsVL"] and params["format"] == ["image/jpeg"]
    assert params["url"] == [
        "https://geo.example.org/GRB/wmts?SERVICE=WMTS&REQUEST=GetCapabilities"
    ]


def test_a_basemap_without_a_kind_is_xyz():
    """A ``[basemap]`` of the schema before services: url, attribution and label only."""
    older = SimpleNamespace(url=TILES, attribution="OSM", label="Kaart")
    source, crs = qgis_project.basemap_source(older, "EPSG:31370")
    assert crs == "EPSG:3857" and source_params(source)["url"] == [TILES]


# -- real QGIS ------------------------------------------------------------------------------


def qgis_missing() -> str | None:
    """Why QGIS cannot be used here (``None`` when it can)."""
    if not SYSTEM_PYTHON.is_file():
        return f"{SYSTEM_PYTHON} not found"
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return f"{SYSTEM_PYTHON} cannot import qgis (install Debian's python3-qgis)"
    return None


def open_in_qgis(project: Path, image: Path, *options: str) -> dict:
    """What real QGIS reads of ``project`` and renders into ``image`` (skip without QGIS)."""
    missing = qgis_missing()
    if missing:
        pytest.skip(missing)
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen", "HOME": str(image.parent)}
    done = subprocess.run(
        [SYSTEM_PYTHON, CHECK_SCRIPT, project, image, *options],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def opened(run, tmp_path_factory) -> tuple[dict, Path, Path]:
    """What real QGIS reads and renders of the project, from a copy of the run's folder."""
    moved = tmp_path_factory.mktemp("moved") / "elsewhere"
    shutil.copytree(run.folder, moved)
    image = moved.parent / "render.png"
    return open_in_qgis(moved / qgis_project.PROJECT_QGZ, image), moved, image


def test_qgis_reads_every_layer_valid_from_the_moved_folder(run, opened):
    facts, moved, _ = opened
    assert facts["read"] and facts["crs"] == "EPSG:31370" and not facts["absolute_paths"]
    assert facts["title"] == f"{STUDY_NAME} — berekening {run.run.run_id}"
    layers = facts["layers"]
    keys = ["sites", "site_pieces", "municipalities", "exclusion_mask", "suitability"]
    keys += ["criterion_1", "criterion_2", "basemap"]
    assert sorted(layers) == sorted(qgis_project.layer_id(k) for k in keys)
    assert all(layer["valid"] for layer in layers.values()), layers
    for layer in layers.values():
        if layer["provider"] != "wms":
            assert layer["crs"] == "EPSG:31370", layer
            assert layer["source"].startswith(str(moved)), layer
    basemap = layers[qgis_project.layer_id("basemap")]
    assert (basemap["name"], basemap["crs"]) == (BASEMAP["label"], "EPSG:3857")
    with rasterio.open(run.folder / "suitability.tif") as raster:
        assert facts["extent"] == list(raster.bounds)
    assert [g["shown"] for g in facts["groups"][:3]] == [
        [qgis_project.layer_id("sites")],
        [qgis_project.layer_id("municipalities"), qgis_project.layer_id("exclusion_mask")],
        [qgis_project.layer_id("suitability")],
    ]


def test_qgis_draws_each_layer_with_its_style(opened):
    layers = opened[0]["layers"]

    def layer(key: str) -> dict:
        return layers[qgis_project.layer_id(key)]

    assert (layer("sites")["renderer"], layer("sites")["label_field"]) == (
        "graduatedSymbol",
        "rank",
    )
    assert layer("sites")["labels"] and layer("municipalities")["labels"]
    assert layer("municipalities")["features"] == 5
    for key in ("site_pieces", "municipalities", "exclusion_mask"):
        assert layer(key)["renderer"] == "categorizedSymbol", key
    for key, ramp in (("suitability", RAMPS[RAMP]), ("criterion_1", CRITERION_RAMP)):
        assert layer(key)["renderer"] == "singlebandpseudocolor"
        assert [colour for _, colour in layer(key)["ramp"]] == list(ramp)
        assert [value for value, _ in layer(key)["ramp"]] == pytest.approx(
            np.linspace(0, 1, len(ramp))
        )


def test_qgis_renders_the_sites_in_their_score_colour(run, opened):
    facts, _, image = opened
    assert image.is_file() and facts["image"]["distinct_colours"] > 100
    assert facts["image"]["background_share"] < 0.25
    sites = pyogrio.read_dataframe(run.folder / "sites.gpkg", layer="sites")
    assert len(facts["sites"]) == len(sites) >= 1
    classes = styles.score_classes(RAMP)
    for site in facts["sites"]:
        expected = next(c for c in classes if c.lower <= site["score"] <= c.upper).colour
        assert site["fill"] == expected, site
        # the inside of each site is drawn in its fill, but for its rank's label
        assert site["pixels"] > 100 and site["share_in_fill"] > 0.6, site


def test_qgis_draws_a_wms_base_map_served_on_loopback(run, tmp_path):
    """The WMS data source as written (two layers, the study CRS) against a real MapServer."""
    if qgis_missing():
        pytest.skip(qgis_missing())
    gpkg = run.folder / "sites.gpkg"
    layers = {
        "gemeenten": gpd.read_file(gpkg, layer="municipalities", engine="pyogrio"),
        "locaties": gpd.read_file(gpkg, layer="sites", engine="pyogrio"),
    }
    folder = tmp_path / "run"
    shutil.copytree(run.folder, folder)
    with mapserver_wms(tmp_path / "wms", layers) as url:
        wms = SimpleNamespace(
            kind="wms", url=url, layers="gemeenten, locaties", label="WMS <test>", attribution="x"
        )
        study = read_study(folder)[0].model_copy(update={"basemap": wms})
        qgis_project.write_qgis_project(folder, study, run.run.run_id)
        facts = open_in_qgis(folder / qgis_project.PROJECT_QGZ, tmp_path / "wms.png", "web")
    basemap = facts["layers"][qgis_project.layer_id("basemap")]
    assert basemap["valid"] and basemap["crs"] == "EPSG:31370", basemap
    assert basemap["name"] == "WMS <test>"
    shares = dict(facts["image"]["commonest"])
    # the municipalities cover most of the study area's extent, in the served colour
    assert shares.get("#{:02x}{:02x}{:02x}".format(*FILL), 0) > 0.5, shares
