"""Open a QGIS project with real QGIS, headless, and report what QGIS makes of it as JSON.

Run by the system Python that has QGIS's bindings (Debian's ``python3-qgis``), not by the
project's virtual environment::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_check.py PROJECT.qgz IMAGE.png [web]

It reads the project, describes every layer (validity, CRS, renderer, labels, the colours of
a pseudocolour raster), the layer tree and the default view, then renders the layers shown on
opening into ``IMAGE.png`` at the default view, without web layers (the tests have no
network), or only them with ``web`` (a test that serves them on loopback), and reports the
image's commonest colours and, for each site, the colour QGIS fills it with and the share of
the pixels inside it drawn in that colour.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

from qgis.core import (
    QgsApplication,
    QgsFeatureRequest,
    QgsGeometry,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRasterLayer,
    QgsRenderContext,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

IMAGE_SIZE = (900, 600)
#: Pixels of a site's edge left out when its fill is looked at (its outline is drawn there).
INSET = 3


def describe_layer(layer) -> dict:
    """What QGIS read of one layer."""
    facts = {
        "name": layer.name(),
        "type": "vector" if isinstance(layer, QgsVectorLayer) else "raster",
        "provider": layer.providerType(),
        "valid": layer.isValid(),
        "crs": layer.crs().authid(),
        "source": layer.source(),
    }
    if isinstance(layer, QgsVectorLayer):
        renderer = layer.renderer()
        facts["renderer"] = renderer.type() if renderer else None
        facts["labels"] = layer.labelsEnabled()
        facts["label_field"] = layer.labeling().settings().fieldName if layer.labeling() else None
        facts["features"] = layer.featureCount()
    elif isinstance(layer, QgsRasterLayer):
        renderer = layer.renderer()
        facts["renderer"] = renderer.type() if renderer else None
        facts["ramp"] = raster_ramp(renderer)
    return facts


def raster_ramp(renderer) -> list[list]:
    """``[value, #rrggbb]`` of each item of a pseudocolour raster's ramp."""
    if renderer is None or renderer.type() != "singlebandpseudocolor":
        return []
    function = renderer.shader().rasterShaderFunction()
    return [[item.value, item.color.name()] for item in function.colorRampItemList()]


def layer_tree(project: QgsProject) -> list[dict]:
    """The groups of the layer tree with their layers' ids and whether they are shown."""
    return [
        {
            "name": group.name(),
            "visible": group.isVisible(),
            "layers": [leaf.layerId() for leaf in group.findLayers()],
            "shown": [leaf.layerId() for leaf in group.findLayers() if leaf.isVisible()],
        }
        for group in project.layerTreeRoot().findGroups()
    ]


def shown_layers(project: QgsProject, web: bool) -> list:
    """The layers shown on opening, top first: the web layers, or all others."""
    root = project.layerTreeRoot()
    return [
        layer
        for layer in root.layerOrder()
        if root.findLayer(layer.id()).isVisible() and (layer.providerType() == "wms") == web
    ]


def render(project: QgsProject, target: str, web: bool) -> tuple[QgsMapSettings, object]:
    """Render the shown layers at the default view into ``target``; the settings and image."""
    settings = QgsMapSettings()
    settings.setLayers(shown_layers(project, web))
    settings.setDestinationCrs(project.crs())
    settings.setOutputSize(QSize(*IMAGE_SIZE))
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setExtent(project.viewSettings().defaultViewExtent())
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(target, "PNG")
    return settings, image


def image_facts(image) -> dict:
    """Size, number of distinct colours, the share of white background and the commonest
    colours with their shares."""
    counts = Counter(
        image.pixel(x, y) for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
    )
    white = QColor(255, 255, 255).rgb()
    total = sum(counts.values())
    return {
        "width": image.width(),
        "height": image.height(),
        "distinct_colours": len(counts),
        "background_share": counts.get(white, 0) / total,
        "commonest": [[QColor(rgb).name(), count / total] for rgb, count in counts.most_common(10)],
    }


def sites_layer(project: QgsProject):
    """The layer of the sites (``sites.gpkg|layername=sites``), else ``None``."""
    found = [
        layer
        for layer in project.mapLayers().values()
        if layer.source().endswith("|layername=sites")
    ]
    return found[0] if found else None


def site_pixels(layer, settings: QgsMapSettings, image) -> list[dict]:
    """Per site: its rank and score, the colour QGIS fills it with, the number of pixels
    inside it (off its outline) and the share of them drawn in that colour."""
    context = QgsRenderContext.fromMapSettings(settings)
    renderer = layer.renderer().clone()
    renderer.startRender(context, layer.fields())
    found = []
    for feature in layer.getFeatures(QgsFeatureRequest()):
        colour = renderer.symbolForFeature(feature, context).color()
        inside = interior_pixels(feature.geometry(), settings)
        hits = sum(image.pixel(x, y) == colour.rgb() for x, y in inside)
        found.append(
            {
                "rank": feature["rank"],
                "score": feature["score"],
                "fill": colour.name(),
                "pixels": len(inside),
                "share_in_fill": hits / len(inside) if inside else 0.0,
            }
        )
    renderer.stopRender(context)
    return found


def interior_pixels(geometry, settings: QgsMapSettings) -> list[tuple[int, int]]:
    """The pixels whose centre lies inside ``geometry`` shrunk by :data:`INSET` pixels."""
    transform = settings.mapToPixel()
    inner = geometry.buffer(-INSET * settings.mapUnitsPerPixel(), 4)
    box = inner.boundingBox()
    top_left = transform.transform(box.xMinimum(), box.yMaximum())
    bottom_right = transform.transform(box.xMaximum(), box.yMinimum())
    size = settings.outputSize()
    columns = range(max(0, int(top_left.x())), min(size.width(), int(bottom_right.x()) + 1))
    rows = range(max(0, int(top_left.y())), min(size.height(), int(bottom_right.y()) + 1))
    return [
        (x, y)
        for x in columns
        for y in rows
        if inner.contains(QgsGeometry.fromPointXY(transform.toMapCoordinates(x, y)))
    ]


def main(project_path: str, image_path: str, web: bool = False) -> dict:
    project = QgsProject.instance()
    read = project.read(project_path)
    extent = project.viewSettings().defaultViewExtent()
    facts = {
        "read": read,
        "title": project.title(),
        "crs": project.crs().authid(),
        "absolute_paths": project.readBoolEntry("Paths", "/Absolute", True)[0],
        "extent": [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()],
        "groups": layer_tree(project),
        "layers": {i: describe_layer(layer) for i, layer in project.mapLayers().items()},
    }
    settings, image = render(project, image_path, web)
    facts["image"] = image_facts(image)
    sites = sites_layer(project)
    facts["sites"] = site_pixels(sites, settings, image) if sites and not web else []
    return facts


if __name__ == "__main__":
    application = QgsApplication([], False)
    application.initQgis()
    try:
        print(json.dumps(main(sys.argv[1], sys.argv[2], sys.argv[3:] == ["web"])))
    finally:
        QgsProject.instance().clear()
        application.exitQgis()
