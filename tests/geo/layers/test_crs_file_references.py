"""CRS definitions that name files, grids or URLs are refused wherever CRS text enters; PROJ
never uses the network.

PROJ opens what a definition names: ``+init=`` files while parsing, ``+nadgrids=`` /
``+geoidgrids=`` grids (local paths, ``@``-optional paths, URLs) when transforming. The
payloads come as PROJ strings, WKT2 (``PARAMETERFILE``, ``GEOIDMODEL``), WKT1 with an
``EXTENSION["PROJ4", ...]`` and PROJJSON, and through ``--assume-crs``, the study CRS
(``Workspace.create``, ``parkplan init --crs``), a grid, and the CRS a file declares (a GeoJSON
``crs`` name; GDAL itself drops the PROJ4 extension of a shapefile's ``.prj``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import rasterio.crs
from pyproj import CRS

from geo.errors import CRSError
from geo.grid import Grid, projected_crs
from geo.layers.crs import parse_crs, source_crs
from parkplan.cli import main
from parkplan.workspace import Workspace

L72 = "EPSG:31370"
LCC72 = (
    "+proj=lcc +lat_0=90 +lon_0=4.36748666666667 +lat_1=51.1666672333333 +lat_2=49.8333339 "
    "+x_0=150000.013 +y_0=5400088.438 +ellps=intl +units=m"
)
ESRI_L72 = (
    'PROJCS["Belge_1972_Belgian_Lambert_72",GEOGCS["GCS_Belge_1972",DATUM["D_Belge_1972",'
    'SPHEROID["International_1924",6378388.0,297.0]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],'
    'PARAMETER["False_Easting",150000.013],PARAMETER["False_Northing",5400088.438],'
    'PARAMETER["Central_Meridian",4.367486666666666],'
    'PARAMETER["Standard_Parallel_1",49.8333339],'
    'PARAMETER["Standard_Parallel_2",51.16666723333333],'
    'PARAMETER["Latitude_Of_Origin",90.0],UNIT["Meter",1.0]]'
)


def payloads(secret: str, url: str) -> dict[str, str]:
    """Hostile CRS definitions; ``secret`` is a local file, ``url`` a loopback server."""
    bound = CRS.from_proj4(f"{LCC72} +nadgrids=@{secret}")
    return {
        "nadgrids-at-path": f"{LCC72} +nadgrids=@{secret}",
        "nadgrids-path": f"{LCC72} +nadgrids={secret}",
        "nadgrids-etc-passwd": f"{LCC72} +nadgrids=@/etc/passwd",
        "nadgrids-relative": f"{LCC72} +nadgrids=../../grids/secret.gsb",
        "nadgrids-list-with-null": f"{LCC72} +nadgrids=@null,@{secret}",
        "nadgrids-url": f"{LCC72} +nadgrids={url}/grid.tif",
        "geoidgrids": f"{LCC72} +geoidgrids={secret}",
        "init-file-uri": f"+init=file:{secret}",
        "init-path": f"+init={secret}:31370",
        "init-epsg": "+init=epsg:31370",
        "init-spaced": f"+proj=lcc + init = {secret}",
        "wkt2-parameterfile": bound.to_wkt(),
        "projjson-parameterfile": bound.to_json(),
        "wkt1-proj4-extension": ESRI_L72[:-1]
        + f',EXTENSION["PROJ4","{LCC72} +nadgrids={secret} +wktext"]]',
        "wkt2-geoidmodel": (
            f'COMPOUNDCRS["x",{CRS(L72).to_wkt()},VERTCRS["h",VDATUM["Ostend"],'
            'CS[vertical,1],AXIS["gravity-related height (H)",up,LENGTHUNIT["metre",1]],'
            f'GEOIDMODEL["{secret}"]]]'
        ),
        "proj-dict-nadgrids": json.dumps({"proj": "lcc", "nadgrids": secret}),
    }


PAYLOADS = list(payloads("/s", "http://h"))
TEXT_PAYLOADS = [case for case in PAYLOADS if case != "proj-dict-nadgrids"]


@pytest.fixture
def hostile(secret_file, loopback):
    url, hits = loopback
    yield payloads(str(secret_file), url)
    assert hits == []


def assert_refused(call, given: str) -> str:
    with pytest.raises(CRSError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message
    assert "names a file" in message and "EPSG:31370" in message
    assert given.split()[0][:20] in message or "..." in message
    return message


@pytest.mark.parametrize("case", PAYLOADS)
def test_parse_crs_refuses_file_references(hostile, case):
    value = hostile[case]
    if case == "proj-dict-nadgrids":
        value = json.loads(value)
    assert_refused(lambda: parse_crs(value, what="--assume-crs"), str(value))


@pytest.mark.parametrize("case", TEXT_PAYLOADS)
def test_assume_crs_and_study_crs_refuse_them(hostile, tmp_path, case):
    value = hostile[case]
    assert_refused(lambda: source_crs(None, assume_crs=value, what="x.shp"), value)
    assert_refused(lambda: projected_crs(value, what="the study CRS"), value)
    assert_refused(lambda: Workspace.create(tmp_path / "study", crs=value), value)
    assert not (tmp_path / "study" / "workspace").exists()


def test_grid_and_proj_dicts_refuse_them(hostile):
    with pytest.raises(CRSError, match="names a file"):
        Grid(hostile["nadgrids-at-path"], 0, 100, 10, 10, 10)
    with pytest.raises(CRSError, match="names a file"):
        projected_crs(json.loads(hostile["proj-dict-nadgrids"]), what="the grid")


def test_cli_refuses_them(hostile, tmp_path, capsys):
    study = tmp_path / "study"
    assert main(["init", str(study), "--crs", hostile["init-file-uri"]]) != 0
    assert "names a file" in capsys.readouterr().err
    assert main(["init", str(study)]) == 0
    points = tmp_path / "points.csv"
    points.write_text("name;x;y\na;60500;190500\n", encoding="utf-8")
    for case in ("nadgrids-at-path", "wkt1-proj4-extension", "geoidgrids"):
        code = main(
            ["layers", "add", str(study), str(points), "--name", "p", "--assume-crs", hostile[case]]
        )
        assert code != 0
        err = capsys.readouterr().err
        assert "names a file" in err and err.count("\n") == 1
    assert Workspace.open(study).list_layers() == []


@pytest.mark.parametrize("case", ["nadgrids-at-path", "geoidgrids", "wkt1-proj4-extension"])
def test_a_crs_declared_by_a_file_naming_a_grid_is_refused(hostile, tmp_path, case):
    """The CRS a file declares (here a GeoJSON ``crs`` name) goes through the same check."""
    crs = {"type": "name", "properties": {"name": hostile[case]}}
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [60_500, 190_500]},
    }
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": [feature]}))
    workspace = Workspace.create(tmp_path / "study", crs=L72)
    with pytest.raises(CRSError, match=r"points\.geojson.*names a file"):
        workspace.add_layer(path, "points")
    assert workspace.list_layers() == []


@pytest.mark.parametrize(
    "value",
    [
        L72,
        "EPSG:3812",
        "epsg:4326",
        "urn:ogc:def:crs:EPSG::31370",
        "http://www.opengis.net/def/crs/EPSG/0/31370",
        LCC72,
        f"{LCC72} +towgs84=-106.8686,52.2978,-103.7239,0.3366,-0.457,1.8422,-1.2747",
        "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m "
        "+nadgrids=@null +wktext +no_defs",
        ESRI_L72,
        CRS(L72).to_wkt(),
        CRS(L72).to_json(),
        "EPSG:31370+5710",
        CRS(L72),
        rasterio.crs.CRS.from_epsg(31370),
        31370,
    ],
    ids=lambda v: str(v)[:30],
)
def test_ordinary_definitions_are_accepted(value):
    assert parse_crs(value).is_projected or parse_crs(value).is_geographic


def test_proj_network_is_off_even_when_the_environment_asks_for_it():
    code = (
        "import os, pyproj, geo.layers.crs; "
        "print(pyproj.network.is_network_enabled(), os.environ['PROJ_NETWORK'])"
    )
    env = dict(os.environ, PROJ_NETWORK="ON")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "OFF"]
