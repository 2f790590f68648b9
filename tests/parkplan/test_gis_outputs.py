"""The GIS outputs of a run: styled GeoPackage layers, described rasters, readable files."""

from __future__ import annotations

import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from study_support import make_small_study, municipalities

from geo.engine import SCORE_UNITS
from parkplan import gis_outputs, library_inputs, outputs, styles
from parkplan.run import run_study
from parkplan.study import read_study
from parkplan.workspace import Workspace
from webmap.colours import CATEGORY_COLOURS, RAMPS

#: GDAL of the operating system, older than the one that writes: what colleagues open with.
OLD_OGRINFO, OLD_GDALINFO = Path("/usr/bin/ogrinfo"), Path("/usr/bin/gdalinfo")
STYLE_COLUMNS = [
    "f_table_catalog",
    "f_table_schema",
    "f_table_name",
    "f_geometry_column",
    "styleName",
    "styleQML",
    "styleSLD",
    "useAsDefault",
    "description",
    "owner",
    "ui",
    "update_time",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A run of the small study whose sites.gpkg holds the site pieces too."""
    root = make_small_study(tmp_path_factory.mktemp("gis") / "study")
    result = run_study(root, equalise=False)
    study, _ = read_study(root)
    borders = library_inputs.municipalities(study, Workspace.open(root))
    sites = outputs.read_sites_gpkg(result.folder).drop(columns="run_id")
    outputs.write_sites(sites, result.folder, result.run.run_id, municipalities=borders)
    return result


def gis_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".gpkg", ".tif"))


@pytest.mark.skipif(not OLD_OGRINFO.is_file(), reason="no GDAL command-line tools")
def test_older_gdal_opens_every_output_without_a_warning(run):
    files = gis_files(run.folder)
    assert {p.name for p in files} >= {"sites.gpkg", "suitability.tif", "exclusions.tif"}
    for path in files:
        command = (
            [OLD_OGRINFO, "-al", "-so", path]
            if path.suffix == ".gpkg"
            else [OLD_GDALINFO, "-stats", path]
        )
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert "warning" not in (done.stdout + done.stderr).lower(), (path.name, done.stderr)
    # the statistics were stored: gdalinfo -stats had nothing to add beside the rasters
    assert not list(run.folder.rglob("*.aux.xml"))


def test_every_output_is_readable_by_group_and_others(run):
    for path in run.folder.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o044 == 0o044, path.name


def style_table(path: Path) -> list[dict]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        rows = [dict(r) for r in db.execute("SELECT * FROM layer_styles ORDER BY id")]
        registered = db.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
    assert registered[0] == "attributes"
    return rows


def fill_colours(qml: ET.Element) -> list[str]:
    colours = []
    for symbol in qml.iter("symbol"):
        rgba = symbol.find("layer/Option/Option[@name='color']").get("value")
        colours.append("#{:02x}{:02x}{:02x}".format(*map(int, rgba.split(",")[:3])))
    return colours


def test_every_layer_carries_its_qgis_style(run):
    gpkg = run.folder / outputs.SITES_GPKG
    layers = [name for name, _ in pyogrio.list_layers(gpkg)]
    assert layers == ["sites", "site_pieces", "exclusion_mask", "municipalities", "layer_styles"]
    rows = style_table(gpkg)
    assert list(rows[0])[1:] == STYLE_COLUMNS
    assert [r["f_table_name"] for r in rows] == layers[:4]
    assert all(r["useAsDefault"] == 1 and r["f_geometry_column"] == "geom" for r in rows)
    qml = {r["f_table_name"]: ET.fromstring(r["styleQML"]) for r in rows}
    for row in rows:
        ET.fromstring(row["styleSLD"])
    sites = qml["sites"].find("renderer-v2")
    assert (sites.get("type"), sites.get("attr")) == ("graduatedSymbol", "score")
    assert fill_colours(qml["sites"]) == list(RAMPS["viridis"])
    assert qml["sites"].find("labeling/settings/text-style").get("fieldName") == "rank"
    outline = qml["sites"].find(".//Option[@name='outline_color']").get("value")
    assert outline == "35,35,35,255"
    mask = gpd.read_file(gpkg, layer="exclusion_mask", engine="pyogrio")
    renderer = qml["exclusion_mask"].find("renderer-v2")
    assert (renderer.get("type"), renderer.get("attr")) == ("categorizedSymbol", "exclusion")
    values = [c.get("value") for c in renderer.iter("category")]
    assert values == sorted(set(mask["exclusion"]))
    assert fill_colours(qml["exclusion_mask"]) == list(CATEGORY_COLOURS[: len(values)])
    assert qml["site_pieces"].find("renderer-v2").get("attr") == "municipality"


def test_score_raster_is_described_compressed_and_styled(run):
    raster = run.folder / "suitability.tif"
    with rasterio.open(raster) as src:
        assert src.descriptions == ("suitability score",) and src.units == (SCORE_UNITS,)
        assert src.compression.name == "deflate"
        assert {"STATISTICS_MINIMUM", "STATISTICS_MEAN", "STATISTICS_STDDEV"} <= set(src.tags(1))
    qml = ET.parse(raster.with_suffix(".qml")).getroot()
    shader = qml.find("pipe/rasterrenderer/rastershader/colorrampshader")
    assert qml.find("pipe/rasterrenderer").get("type") == "singlebandpseudocolor"
    assert [i.get("color") for i in shader.iter("item")] == list(RAMPS["viridis"])
    assert [float(i.get("value")) for i in shader.iter("item")] == pytest.approx(
        np.linspace(0, 1, len(RAMPS["viridis"]))
    )
    with rasterio.open(run.folder / "exclusions.tif") as src:
        assert src.compression.name == "deflate"


def assert_pieces_add_up(pieces: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> None:
    area = sites.set_index(sites["site_id"].astype(str)).geometry.area
    grouped = pieces.assign(m2=pieces.geometry.area).groupby(pieces["site_id"].astype(str))
    assert set(grouped.groups) == set(area.index)
    np.testing.assert_allclose(grouped["m2"].sum().reindex(area.index), area, atol=1.0)
    np.testing.assert_allclose(grouped["share"].sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(pieces["area_ha"] * 10_000, pieces.geometry.area, atol=1e-6)


def test_site_pieces_add_up_to_their_site(run):
    gpkg = run.folder / outputs.SITES_GPKG
    pieces = gpd.read_file(gpkg, layer="site_pieces", engine="pyogrio")
    sites = gpd.read_file(gpkg, layer="sites", engine="pyogrio")
    assert_pieces_add_up(pieces, sites)
    assert set(pieces["run_id"]) == {run.run.run_id}


def test_sites_across_borders_are_cut_into_pieces():
    borders = municipalities(context=False)
    x0, y0 = borders.total_bounds[:2]
    sites = gpd.GeoDataFrame(
        {"site_id": ["a", "b"], "rank": [1, 2]},
        geometry=[
            shapely.box(x0 + 2_000, y0 + 500, x0 + 2_900, y0 + 900),  # Aarbeke | Bovendijk
            shapely.box(x0 + 6_000, y0 + 100, x0 + 6_700, y0 + 400),  # Calvene | outside
        ],
        crs=borders.crs,
    )
    pieces = gis_outputs.site_pieces(sites, borders)
    assert_pieces_add_up(pieces, sites)
    assert pieces.groupby("site_id")["municipality"].apply(sorted).to_dict() == {
        "a": ["Aarbeke", "Bovendijk"],
        "b": ["(outside)", "Calvene"],
    }


def test_exclusion_mask_covers_exactly_the_excluded_cells(run):
    mask = gpd.read_file(run.folder / outputs.SITES_GPKG, layer="exclusion_mask")
    with rasterio.open(run.folder / "exclusions.tif") as src:
        codes, cell = src.read(1), abs(src.transform.a * src.transform.e)
    assert set(mask["exclusion"]) == {"outside_study_area", "nature", "housing_buffer"}
    for code, polygons in mask.groupby("code"):
        expected = np.count_nonzero(codes == code) * cell
        assert abs(polygons.geometry.area.sum() - expected) <= cell * len(polygons)
    assert (mask.geometry.area > 0).all() and mask.geometry.is_valid.all()


def test_styles_escape_the_names_of_the_data():
    name = 'Sint-<Jan> & "Zoon"'
    style = styles.category_style("pieces", "municipality", [name, "B"])
    qml = ET.fromstring(styles.vector_qml(style))
    sld = ET.fromstring(styles.vector_sld(style, "pieces"))
    assert [c.get("value") for c in qml.iter("category")] == ["B", name]
    literals = [e.text for e in sld.iter(f"{{{styles.OGC_NS}}}Literal")]
    assert literals == ["B", name]


def test_a_run_without_exclusions_has_an_empty_mask(tmp_path):
    sites = gpd.GeoDataFrame(
        {"site_id": [1], "score": [0.5], "rank": [1]},
        geometry=[shapely.box(0, 0, 100, 100)],
        crs="EPSG:31370",
    )
    empty = gpd.GeoDataFrame(
        {"exclusion": [], "code": [], "area_ha": []}, geometry=[], crs="EPSG:31370"
    )
    target = tmp_path / "sites.gpkg"
    gis_outputs.write_styled_gpkg({"sites": sites, "exclusion_mask": empty}, target)
    assert pyogrio.read_info(target, layer="exclusion_mask")["features"] == 0
    assert [r["f_table_name"] for r in style_table(target)] == ["sites", "exclusion_mask"]
    if OLD_OGRINFO.is_file():
        done = subprocess.run(
            [OLD_OGRINFO, "-al", "-so", target], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0 and "warning" not in done.stderr.lower()
