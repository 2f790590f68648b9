"""Reading sources: formats, folders, archives, layers and text encodings."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pyogrio
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from geo.errors import CRSError, LayerError
from geo.layers.load import prepare_vector
from geo.layers.read import read_vector, resolved_source

L72 = "EPSG:31370"
NAMES = ["Lo-Reninge", "Sint-Eloois-Vijve", "Ruiselede", "Zwevegem-Sint-Denijs", "Moorslede"]
ACCENTED = ["Lo-Reninge", "Sint-Eloois-Vijve", "Ruiselede", "Kortrijk-Hélène", "Poperinge-Sé"]


def places(names=NAMES) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": names}, geometry=[Point(60_000 + i, 190_000) for i in range(len(names))], crs=L72
    )


def read(source, **kwargs):
    with resolved_source(source, **kwargs) as dataset:
        return read_vector(dataset)


@pytest.mark.parametrize(
    ("encoding", "keep_cpg", "expected"),
    [
        ("UTF-8", True, "UTF-8"),
        ("ISO-8859-1", True, "ISO-8859-1"),
        ("UTF-8", False, "UTF-8"),
        ("ISO-8859-1", False, "ISO-8859-1"),
    ],
)
def test_shapefile_encodings(tmp_path, encoding, keep_cpg, expected):
    path = tmp_path / "places.shp"
    pyogrio.write_dataframe(places(ACCENTED), path, encoding=encoding)
    if not keep_cpg:
        path.with_suffix(".cpg").unlink()
    result = read(path)
    assert list(result.frame["name"]) == ACCENTED
    assert result.encoding == expected
    assert any(expected in note for note in result.notes)


def test_shapefile_folder_and_zip(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(places(), folder / "places.shp")
    assert list(read(folder).frame["name"]) == NAMES
    archive = tmp_path / "places.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            z.write(part, f"data/{part.name}")
    result = read(archive)
    assert list(result.frame["name"]) == NAMES and result.frame.crs.to_epsg() == 31370


def test_gpkg_layer_choice(tmp_path):
    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(places(), path, layer="places", driver="GPKG")
    area = gpd.GeoDataFrame({"n": [1]}, geometry=[box(0, 0, 1, 1)], crs=L72)
    pyogrio.write_dataframe(area, path, layer="area", driver="GPKG", append=True)
    assert read(path, source_layer="area").dataset.layer == "area"
    with pytest.raises(LayerError, match="several layers; choose one with --layer: places, area"):
        read(path)


def test_flatgeobuf(tmp_path):
    path = tmp_path / "places.fgb"
    pyogrio.write_dataframe(places(), path, driver="FlatGeobuf")
    assert sorted(read(path).frame["name"]) == sorted(NAMES)


def test_csv_with_lon_lat_needs_a_stated_crs(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text("Name;Longitude;Latitude\nRuiselede;3.39;51.04\n", encoding="utf-8")
    result = read(path)
    with pytest.raises(CRSError, match="Longitude/Latitude look like degrees"):
        prepare_vector(result, study_crs=L72)
    prepared = prepare_vector(result, study_crs=L72, assume_crs="EPSG:4326")
    assert prepared.frame.crs.to_epsg() == 31370
    x, y = Transformer.from_crs("EPSG:4326", L72, always_xy=True).transform(3.39, 51.04)
    assert prepared.frame.geometry.iloc[0].distance(Point(x, y)) < 0.001


def test_csv_latin1_and_wkt(tmp_path):
    path = tmp_path / "zones.csv"
    path.write_bytes('name,wkt\nHélène,"POLYGON ((0 0, 1 0, 1 1, 0 0))"\n'.encode("latin-1"))
    result = read(path)
    assert result.frame["name"].iloc[0] == "Hélène" and result.encoding == "ISO-8859-1"
    assert "wkt" not in result.frame.columns
    assert result.frame.geometry.iloc[0].area == pytest.approx(0.5)
