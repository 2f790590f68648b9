/* parkplan map helpers.
 *
 * Popups, tooltips, labels, the legend, the list of sites and the title are built with DOM
 * calls only (createElement + textContent), never from HTML strings, so no value of the data
 * can turn into markup or script. Nothing here runs before a map calls it, and nothing needs
 * eval or new Function (the web app's Content-Security-Policy forbids both).
 */
var parkplan = (function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var MAX_VIOLATIONS = 3; // coalitions named in a popup; the report lists them all
  var NARROW_PX = 700; // below this map width, controls fold into buttons
  var POPUP_MARGIN_PX = 12;
  var NO_VALUE = 65535; // a missing value in the cell lookup (see webmap/lookup.py)
  var SITE_HALO = { color: "#ffffff", weight: 7, opacity: 0.9, fill: false, interactive: false };
  var SITE_OUTLINE = { color: "#111111", weight: 2.5, opacity: 1, fillColor: "#ffffff", fillOpacity: 0.2 };
  var HATCH_ANGLES = [45, -45, 0, 90, 30, -60];
  var contexts = typeof WeakMap === "function" ? new WeakMap() : null;

  /* ---------------------------------------------------------------- small DOM helpers */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, String(attrs[key]));
    });
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function isNumber(value) {
    return typeof value === "number" && isFinite(value);
  }

  function fmt(value, digits, ctx) {
    if (!isNumber(value)) return "–";
    return value.toLocaleString(ctx.locale, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  }

  function percent(value, ctx) {
    return isNumber(value) ? fmt(100 * value, 0, ctx) + " %" : "–";
  }

  function euro(value, ctx) {
    return isNumber(value) ? "€ " + fmt(value, 0, ctx) : "–";
  }

  function text(value) {
    return value === undefined || value === null || value === "" ? "–" : String(value);
  }

  /* A sentence of the labels with its {figures} filled in (as text). */
  function say(template, figures) {
    return String(template).replace(/\{(\w+)\}/g, function (all, key) {
      return key in figures ? String(figures[key]) : all;
    });
  }

  function factsTable(rows) {
    var table = el("table", "pp-facts");
    rows.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("th", null, row[0]));
      tr.appendChild(el("td", null, row[1]));
      table.appendChild(tr);
    });
    return table;
  }

  function gridTable(header, rows, className) {
    var table = el("table", "pp-grid" + (className ? " " + className : ""));
    var head = el("tr");
    header.forEach(function (cell) {
      head.appendChild(el("th", null, cell));
    });
    table.appendChild(head);
    rows.forEach(function (row) {
      var tr = el("tr");
      row.forEach(function (cell, i) {
        var td = el(i === 0 ? "th" : "td", null, cell);
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    return table;
  }

  /* Whole parts of `total` in proportion to `values`, adding up to `total` exactly
   * (largest remainder; ties to the first), as webmap.display.rounded_parts. */
  function roundedParts(values, total) {
    var weights = values.map(function (v) { return isNumber(v) && v > 0 ? v : 0; });
    var whole = weights.reduce(function (a, b) { return a + b; }, 0);
    if (!weights.length || whole <= 0 || total <= 0) return weights.map(function () { return 0; });
    var quotas = weights.map(function (w) { return total * w / whole; });
    var parts = quotas.map(Math.floor);
    var order = quotas.map(function (q, i) { return i; }).sort(function (a, b) {
      var d = (quotas[b] - parts[b]) - (quotas[a] - parts[a]);
      return d !== 0 ? d : a - b;
    });
    var left = total - parts.reduce(function (a, b) { return a + b; }, 0);
    for (var k = 0; k < left; k++) parts[order[k]] += 1;
    return parts;
  }

  function isNarrow(map) {
    return map.getContainer().clientWidth < NARROW_PX;
  }

  /* ---------------------------------------------------------------- set-up of a map */

  /* Hatch patterns of the exclusions, once per page: pattern k is ctx.exclusions' colour k,
   * lines at their own angle (so they differ in more than colour). */
  function addPatterns(exclusions) {
    var defs = document.getElementById("pp-patterns");
    if (!defs) {
      var root = svg("svg", { width: 0, height: 0, "aria-hidden": "true", class: "pp-patterns" });
      defs = svg("defs", { id: "pp-patterns" });
      root.appendChild(defs);
      document.body.appendChild(root);
    }
    exclusions.forEach(function (x) {
      if (!isNumber(x.pattern) || document.getElementById("pp-hatch-" + x.pattern)) return;
      var angle = HATCH_ANGLES[x.pattern % HATCH_ANGLES.length];
      var pattern = svg("pattern", {
        id: "pp-hatch-" + x.pattern, patternUnits: "userSpaceOnUse", width: 8, height: 8,
        patternTransform: "rotate(" + angle + ")",
      });
      pattern.appendChild(svg("rect", { width: 8, height: 8, fill: x.colour, "fill-opacity": 0.22 }));
      pattern.appendChild(svg("rect", { width: 2.5, height: 8, fill: x.colour, "fill-opacity": 0.9 }));
      defs.appendChild(pattern);
    });
  }

  /* Width of the controls stacked in one corner of the map (0 when there are none). */
  function cornerWidth(map, corner) {
    var box = map.getContainer().querySelector(".leaflet-top.leaflet-" + corner);
    var widest = 0;
    if (box) {
      Array.prototype.forEach.call(box.children, function (control) {
        widest = Math.max(widest, control.offsetWidth + 10);
      });
    }
    return widest;
  }

  /* Bottom (px from the map's top) of the controls stacked in a top corner. */
  function cornerBottom(map, corner) {
    var box = map.getContainer().querySelector(".leaflet-top.leaflet-" + corner);
    return box ? box.offsetTop + box.offsetHeight : 0;
  }

  /* The popup fits the map: no wider than the room beside the left controls, no taller than
   * the map below the title (it scrolls inside), and panned clear of both. */
  function fitPopup(map, popup) {
    var size = map.getSize();
    var title = map.getContainer().querySelector(".pp-title");
    var top = title ? title.offsetTop + title.offsetHeight + POPUP_MARGIN_PX : POPUP_MARGIN_PX;
    var left = Math.max(POPUP_MARGIN_PX, cornerWidth(map, "left"));
    // maxWidth is the content's: the frame adds its margins (Leaflet: 44 px, narrow: 26 px)
    var frame = isNarrow(map) ? 28 : 46;
    var width = Math.max(180, Math.min(380, size.x - left - POPUP_MARGIN_PX - frame));
    var right = cornerWidth(map, "right");
    if (size.x - left - right < width + frame) {
      // no room beside the right controls: keep the popup below them instead
      right = POPUP_MARGIN_PX;
      top = Math.max(top, cornerBottom(map, "right") + POPUP_MARGIN_PX);
    }
    popup.options.maxWidth = width;
    popup.options.minWidth = Math.min(260, width);
    popup.options.maxHeight = Math.max(120, size.y - top - 2 * POPUP_MARGIN_PX - 60);
    popup.options.autoPanPaddingTopLeft = L.point(left, top);
    popup.options.autoPanPaddingBottomRight = L.point(right, POPUP_MARGIN_PX);
    popup.update();
  }

  function setup(map, ctx) {
    if (contexts) contexts.set(map, ctx);
    addPatterns(ctx.exclusions || []);
    var narrow = function () {
      L.DomUtil[isNarrow(map) ? "addClass" : "removeClass"](map.getContainer(), "pp-narrow");
    };
    narrow();
    map.on("resize", narrow);
    map.on("popupopen", function (e) { fitPopup(map, e.popup); });
  }

  function contextOf(map) {
    return contexts ? contexts.get(map) : null;
  }

  /* ---------------------------------------------------------------- sites */

  /* Horizontal bar of a contribution or a value 0..1 (width in %, no data in the DOM text). */
  function bar(value, max) {
    var box = el("span", "pp-bar-box");
    var fill = el("span", "pp-bar");
    fill.style.width = (isNumber(value) && max > 0 ? Math.max(0, Math.min(1, value / max)) * 100 : 0) + "%";
    box.appendChild(fill);
    return box;
  }

  /* Criterion | weight | value | weight × value, with the score as their sum (WLC), or the
   * values and a sentence saying why they do not add up (other aggregations). */
  function breakdown(values, contributions, score, ctx, raw) {
    var L_ = ctx.labels, additive = ctx.additive && Array.isArray(contributions);
    var header = [L_.criterion, L_.weight];
    if (raw) header.push(L_.raw_value);
    header.push(L_.value_01);
    if (additive) header.push(L_.contribution);
    var table = el("table", "pp-grid pp-breakdown");
    var head = el("tr");
    header.forEach(function (h) { head.appendChild(el("th", null, h)); });
    table.appendChild(head);
    var best = additive ? Math.max.apply(null, contributions.concat([1e-9])) : 1;
    ctx.criteria.forEach(function (c, i) {
      var tr = el("tr");
      var name = el("th", null, c.label);
      tr.appendChild(name);
      tr.appendChild(el("td", null, isNumber(c.weight_pct) ? fmt(c.weight_pct, ctx.weight_digits, ctx) + " %" : "–"));
      if (raw) tr.appendChild(raw(c, i));
      tr.appendChild(el("td", null, fmt(values[i], 3, ctx)));
      if (additive) {
        var td = el("td", "pp-contribution", fmt(contributions[i], 3, ctx));
        td.insertBefore(bar(contributions[i], best), td.firstChild);
        tr.appendChild(td);
      }
      table.appendChild(tr);
    });
    if (additive) {
      var total = el("tr", "pp-total");
      total.appendChild(el("th", null, L_.score_sum));
      total.appendChild(el("td", null, "100 %"));
      if (raw) total.appendChild(el("td"));
      total.appendChild(el("td"));
      total.appendChild(el("td", "pp-score-sum", fmt(score, 3, ctx)));
      table.appendChild(total);
    }
    var box = el("div", "pp-breakdown-box");
    box.appendChild(table);
    if (additive) box.appendChild(el("p", "pp-note", L_.contributions_rounded));
    else if (ctx.aggregation !== "wlc") {
      box.appendChild(el("p", "pp-note", say(L_.not_additive, { method: ctx.aggregation_label })));
    }
    return box;
  }

  function equalisationBlock(eq, ctx) {
    var L_ = ctx.labels, box = el("div", "pp-equalisation");
    box.appendChild(el("h5", null, L_.equalisation));
    if ("npv_eur" in eq) box.appendChild(factsTable([[L_.npv, euro(eq.npv_eur, ctx)]]));
    var keys = eq.keys && typeof eq.keys === "object" ? Object.keys(eq.keys) : [];
    if (keys.length) {
      var partners = [];
      keys.forEach(function (key) {
        Object.keys(eq.keys[key] || {}).forEach(function (p) {
          if (partners.indexOf(p) < 0) partners.push(p);
        });
      });
      var rows = partners.map(function (p) {
        return [p].concat(keys.map(function (key) {
          var entry = (eq.keys[key] || {})[p] || {};
          return euro(entry.net_pv_eur, ctx);
        }));
      });
      box.appendChild(el("div", "pp-caption", L_.net_pv));
      var wrap = el("div", "pp-scroll-x");
      var names = keys.map(function (key) { return (ctx.key_labels || {})[key] || key; });
      wrap.appendChild(gridTable([L_.partner].concat(names), rows));
      box.appendChild(wrap);
    }
    var core = eq.core;
    if (core && typeof core === "object" && "in_core" in core) {
      var ok = core.in_core === true;
      var message = ok ? L_.core_ok : L_.core_violated;
      var blocking = Array.isArray(core.blocking) ? core.blocking.slice(0, MAX_VIOLATIONS) : [];
      if (!ok && blocking.length) {
        message += ": " + blocking.map(function (b) {
          return say(L_.core_saving, { coalition: text(b.coalition), amount: euro(b.saving_eur, ctx) });
        }).join("; ");
        var more = (isNumber(core.blocking_count) ? core.blocking_count : blocking.length) - blocking.length;
        if (more > 0) message += " (+" + more + ")";
      }
      box.appendChild(el("p", ok ? "pp-core-ok" : "pp-core-bad", message));
    } else {
      box.appendChild(el("p", "pp-core-unknown", L_.core_unknown));
    }
    if (Array.isArray(eq.assumed) && eq.assumed.length) {
      box.appendChild(el("div", "pp-caption", L_.assumed_facts));
      var list = el("ul", "pp-assumed");
      eq.assumed.forEach(function (line) { list.appendChild(el("li", null, line)); });
      box.appendChild(list);
    }
    return box;
  }

  function siteTitle(p, ctx) {
    var line = ctx.labels.map_site + " " + text(p.site_id);
    if (p.rank !== undefined && p.rank !== null) line += " · " + ctx.labels.rank + " " + text(p.rank);
    return line;
  }

  function sitePopup(p, ctx) {
    var L_ = ctx.labels, root = el("div", "pp-popup pp-site-popup");
    root.appendChild(el("h4", null, siteTitle(p, ctx)));
    var facts = [
      [L_.score, fmt(p.score, 3, ctx)],
      [L_.area_ha, fmt(p.area_ha, 1, ctx)],
      [L_.host, text(p.host)],
    ];
    if ("p_first" in p) facts.push([L_.p_first, percent(p.p_first, ctx)]);
    if ("p_top3" in p) facts.push([L_.p_top3, percent(p.p_top3, ctx)]);
    root.appendChild(factsTable(facts));
    if (ctx.criteria.length) {
      root.appendChild(el("h5", null, L_.breakdown));
      root.appendChild(breakdown(p.c || [], p.k, p.score, ctx));
    }
    if (p.split && p.split.length) {
      root.appendChild(el("h5", null, L_.split));
      root.appendChild(gridTable(
        [L_.municipality, L_.area_ha, L_.share],
        p.split.map(function (r) {
          return [text(r[0]), fmt(r[1], 1, ctx), fmt(r[2], r[3] || 0, ctx) + " %"];
        }),
        "pp-split"
      ));
    }
    var eq = ctx.equalisation;
    if (eq && String(eq.site_id) === String(p.site_id)) root.appendChild(equalisationBlock(eq, ctx));
    return root;
  }

  function siteTooltip(p, ctx) {
    var line = siteTitle(p, ctx) + " · " + ctx.labels.score + " " + fmt(p.score, 2, ctx);
    return el("div", "pp-tooltip", line);
  }

  function rankIcon(rank, best) {
    var box = el("div", "pp-rank-marker" + (best ? " pp-rank-best" : ""), rank);
    return L.divIcon({ html: box, className: "pp-rank", iconSize: [26, 26], iconAnchor: [13, 13] });
  }

  function byRank(a, b) {
    var ra = isNumber(a.feature.properties.rank) ? a.feature.properties.rank : Infinity;
    var rb = isNumber(b.feature.properties.rank) ? b.feature.properties.rank : Infinity;
    return ra - rb;
  }

  /* The sites layer: a white halo, black outlines with popups and tooltips, and a rank marker
   * inside each of the best sites (at every zoom, however small the polygon); and the list of
   * the best sites beside the map. Returns the layer group (one entry of the layer control). */
  function siteLayer(map, collection, ctx) {
    var group = L.featureGroup();
    var popupOptions = { maxWidth: 380, minWidth: 260, autoPan: true, className: "pp-popup-frame" };
    var halo = L.geoJson(collection, { style: function () { return SITE_HALO; }, pane: "ppSites" });
    var sites = [];
    var outlines = L.geoJson(collection, {
      pane: "ppSites",
      bubblingMouseEvents: false,
      style: function () { return SITE_OUTLINE; },
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        layer.bindTooltip(function () { return siteTooltip(p, ctx); }, { sticky: true });
        layer.bindPopup(function () { return sitePopup(p, ctx); }, popupOptions);
        layer.on("mouseover", function () { layer.setStyle({ weight: 4 }); });
        layer.on("mouseout", function () { layer.setStyle({ weight: SITE_OUTLINE.weight }); });
        sites.push(layer);
      },
    });
    group.addLayer(halo);
    group.addLayer(outlines);
    sites.sort(byRank);
    sites.forEach(function (layer, i) {
      var p = layer.feature.properties;
      if (!Array.isArray(p.at) || i >= ctx.rank_markers) return;
      var marker = L.marker(p.at, {
        icon: rankIcon(text(isNumber(p.rank) ? p.rank : i + 1), p.rank === 1),
        title: siteTitle(p, ctx), keyboard: true, riseOnHover: true, bubblingMouseEvents: false,
      });
      marker.on("click", function () { layer.openPopup(L.latLng(p.at)); });
      group.addLayer(marker);
    });
    siteList(map, sites.slice(0, ctx.top), group, ctx);
    return group;
  }

  /* Zoom to a site (at most to street level) and open its popup. */
  function showSite(map, group, layer) {
    if (!map.hasLayer(group)) group.addTo(map);
    var p = layer.feature.properties;
    map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [40, 40], animate: false });
    layer.openPopup(Array.isArray(p.at) ? L.latLng(p.at) : layer.getBounds().getCenter());
  }

  /* The list of the best sites, a control in the top left corner; folded on narrow maps. */
  function siteList(map, layers, group, ctx) {
    if (!layers.length) return;
    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      var box = el("div", "pp-sitelist leaflet-bar");
      var toggle = el("button", "pp-sitelist-toggle");
      toggle.type = "button";
      toggle.setAttribute("aria-expanded", "true");
      toggle.appendChild(el("span", "pp-sitelist-icon", "☰"));
      toggle.appendChild(el("span", "pp-sitelist-title", ctx.labels.top_sites));
      toggle.title = ctx.labels.top_sites;
      box.appendChild(toggle);
      var list = el("ol", "pp-sitelist-items");
      layers.forEach(function (layer) {
        var p = layer.feature.properties;
        var item = el("li");
        var button = el("button", "pp-sitelist-item");
        button.type = "button";
        button.title = ctx.labels.show_on_map;
        button.appendChild(el("span", "pp-rank-marker pp-rank-small" + (p.rank === 1 ? " pp-rank-best" : ""), text(p.rank)));
        button.appendChild(el("span", "pp-sitelist-name", ctx.labels.map_site + " " + text(p.site_id)));
        button.appendChild(el("span", "pp-sitelist-score", fmt(p.score, 2, ctx)));
        if (p.host) button.appendChild(el("span", "pp-sitelist-host", p.host));
        L.DomEvent.on(button, "click", function (e) {
          L.DomEvent.stop(e);
          if (isNarrow(map)) setOpen(false);
          showSite(map, group, layer);
        });
        item.appendChild(button);
        list.appendChild(item);
      });
      box.appendChild(list);
      function setOpen(open) {
        L.DomUtil[open ? "removeClass" : "addClass"](box, "pp-folded");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      }
      setOpen(!isNarrow(map));
      L.DomEvent.on(toggle, "click", function (e) {
        L.DomEvent.stop(e);
        setOpen(L.DomUtil.hasClass(box, "pp-folded"));
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
  }

  /* onEachFeature of a named layer: the name as a tooltip (or a permanent label). */
  function bindName(feature, layer, fallback, permanent) {
    var name = (feature.properties || {}).name;
    var label = text(name === undefined || name === null ? fallback : name);
    var options = { permanent: !!permanent, direction: "center", className: permanent ? "pp-label" : "" };
    if (permanent) options.pane = "ppNames";
    layer.bindTooltip(function () { return el("span", "pp-name", label); }, options);
  }

  /* The style of an exclusion's polygons: its hatch pattern, outlined in its colour. */
  function exclusionStyle(entry) {
    return function () {
      return {
        color: entry.colour, weight: 1, opacity: 0.9,
        fillColor: "url(#pp-hatch-" + entry.pattern + ")", fillOpacity: 1,
      };
    };
  }

  /* ---------------------------------------------------------------- legend */

  function gradient(stops) {
    var bar_ = el("div", "pp-legend-bar");
    bar_.style.background = "linear-gradient(to right, " + stops.map(function (s) {
      return s[1] + " " + (100 * s[0]) + "%";
    }).join(", ") + ")";
    return bar_;
  }

  /* Ticks at positions 0..1 of a ramp, labelled with their value or with `names`. */
  function ticks(values, ctx, names) {
    var box = el("div", "pp-legend-ticks");
    values.forEach(function (t, i) {
      var tick = el("span", null, names ? names[i] : fmt(t, 1, ctx));
      tick.style.left = (100 * t) + "%";
      box.appendChild(tick);
    });
    return box;
  }

  function swatch(entry) {
    var root = svg("svg", { width: 22, height: 14, class: "pp-swatch", "aria-hidden": "true" });
    if (entry.kind === "exclusion") {
      root.appendChild(svg("rect", {
        x: 0.5, y: 0.5, width: 21, height: 13, fill: "url(#pp-hatch-" + entry.pattern + ")",
        stroke: entry.colour,
      }));
    } else if (entry.kind === "municipalities") {
      root.appendChild(svg("rect", { x: 0.5, y: 0.5, width: 21, height: 13, fill: "#888", "fill-opacity": 0.05, stroke: "#555", "stroke-width": 1.5 }));
    } else if (entry.kind === "outside") {
      root.appendChild(svg("rect", { x: 0.5, y: 0.5, width: 21, height: 13, fill: "#000", "fill-opacity": 0.3, stroke: "#222" }));
    } else if (entry.kind === "sites") {
      root.setAttribute("width", 40);
      root.setAttribute("height", 20);
      root.appendChild(svg("rect", { x: 3, y: 3, width: 18, height: 14, fill: "#fff", "fill-opacity": 0.4, stroke: "#fff", "stroke-width": 5 }));
      root.appendChild(svg("rect", { x: 3, y: 3, width: 18, height: 14, fill: "none", stroke: "#111", "stroke-width": 2 }));
      root.appendChild(svg("circle", { cx: 30, cy: 10, r: 8.5, fill: "#111", stroke: "#fff", "stroke-width": 1.5 }));
      root.appendChild(svg("text", { x: 30, y: 13.5, "text-anchor": "middle", fill: "#fff", "font-size": 10, "font-weight": 700 }, "1"));
    }
    return root;
  }

  /* One legend for every layer: entry i describes layers[i] and shows while it is on. */
  function legend(map, entries, ctx, layers) {
    var control = L.control({ position: "bottomleft" });
    var body, box;
    function visible(i) {
      return !layers[i] || map.hasLayer(layers[i]);
    }
    function draw() {
      while (body.firstChild) body.removeChild(body.firstChild);
      var exclusionsShown = false, criteria = [];
      entries.forEach(function (entry, i) {
        if (!visible(i)) return;
        if (entry.kind === "criterion") { criteria.push(entry); return; }
        var section = el("div", "pp-legend-section");
        if (entry.kind === "ramp") {
          section.appendChild(el("div", "pp-legend-title", entry.title));
          section.appendChild(gradient(entry.stops));
          section.appendChild(ticks(entry.ticks, ctx, entry.labels));
        } else {
          if (entry.kind === "exclusion" && !exclusionsShown) {
            body.appendChild(el("div", "pp-legend-title", ctx.labels.legend_exclusions));
            exclusionsShown = true;
          }
          var row = el("div", "pp-legend-row");
          row.appendChild(swatch(entry));
          row.appendChild(el("span", null, entry.title));
          section.appendChild(row);
        }
        body.appendChild(section);
      });
      if (criteria.length) {
        var section = el("div", "pp-legend-section");
        section.appendChild(el("div", "pp-legend-title", criteria[0].title));
        section.appendChild(el("div", "pp-legend-names", criteria.map(function (c) { return c.name; }).join(", ")));
        section.appendChild(gradient(criteria[0].stops));
        section.appendChild(ticks([0, 0.5, 1], ctx));
        body.appendChild(section);
      }
    }
    control.onAdd = function () {
      box = el("div", "pp-legend");
      var toggle = el("button", "pp-legend-toggle", ctx.labels.legend_button);
      toggle.type = "button";
      box.appendChild(toggle);
      body = el("div", "pp-legend-body");
      box.appendChild(body);
      function setOpen(open) {
        L.DomUtil[open ? "removeClass" : "addClass"](box, "pp-folded");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      }
      setOpen(!isNarrow(map));
      L.DomEvent.on(toggle, "click", function (e) {
        L.DomEvent.stop(e);
        setOpen(L.DomUtil.hasClass(box, "pp-folded"));
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      draw();
      return box;
    };
    control.addTo(map);
    map.on("layeradd layerremove", function () { if (body) draw(); });
    return control;
  }

  /* ---------------------------------------------------------------- controls */

  /* The layer control, folded into a button on narrow maps or when asked, with a heading
   * above the first layer of each group (`groups`: [title, layer]). */
  var GroupedLayers = L.Control.Layers.extend({
    _update: function () {
      L.Control.Layers.prototype._update.call(this);
      var list = this._overlaysList, groups = this.options.groups || [];
      if (!list) return this;
      groups.forEach(function (group) {
        var id = L.Util.stamp(group[1]);
        Array.prototype.forEach.call(list.querySelectorAll("input"), function (input) {
          if (input.layerId !== id) return;
          var label = input.closest("label");
          if (label) list.insertBefore(el("div", "pp-layer-group", group[0]), label);
        });
      });
      return this;
    },
  });

  function layers(map, base, overlays, options, groups) {
    var opts = L.extend({}, options, { groups: groups || [] });
    opts.collapsed = !!options.collapsed || isNarrow(map);
    return new GroupedLayers(base, overlays, opts).addTo(map);
  }

  /* The map's title and, below it, the run it shows (id and time). */
  function title(map, value, run) {
    var box = el("div", "pp-title", value);
    if (run) box.appendChild(el("div", "pp-run", run));
    map.getContainer().appendChild(box);
  }

  /* A metric scale bar (no miles). */
  function scale(map) {
    L.control.scale({ imperial: false, metric: true }).addTo(map);
  }

  /* Say once, on the map, that the background tiles cannot load (offline). */
  function tileNotice(map, layer, message) {
    var shown = false;
    layer.on("tileerror", function () {
      if (shown) return;
      shown = true;
      map.getContainer().appendChild(el("div", "pp-notice", message));
    });
  }

  /* Keep two maps on the same view, whichever one moves (b starts at a's view). */
  function sync(a, b) {
    var busy = false;
    function follow(source, target) {
      source.on("move", function () {
        if (busy) return;
        busy = true;
        target.setView(source.getCenter(), source.getZoom(), { animate: false });
        busy = false;
      });
    }
    follow(a, b);
    follow(b, a);
    b.setView(a.getCenter(), a.getZoom(), { animate: false });
  }

  /* Properties arrive as arrays in the order of `fields`; make them objects again. */
  function unpack(collection, fields) {
    collection.features.forEach(function (feature) {
      var values = feature.properties, properties = {};
      fields.forEach(function (field, i) {
        if (values[i] !== null && values[i] !== undefined) properties[field] = values[i];
      });
      feature.properties = properties;
    });
    return collection;
  }

  /* ---------------------------------------------------------------- the cell lookup */

  function base64Bytes(data) {
    var binary = atob(data), bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  /* zlib-inflate `bytes` (a Promise of a Uint8Array), with the browser's own decompressor. */
  function inflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
  }

  /* The packed layers back as code arrays (row differences summed up again). */
  function unpackLayers(bytes, payload) {
    var rows = payload.shape[0], cols = payload.shape[1], n = rows * cols, at = 0;
    return payload.layers.map(function (about) {
      var codes = about.bits === 8 ? new Uint8Array(n) : new Uint16Array(n);
      var mod = about.bits === 8 ? 256 : 65536;
      for (var r = 0; r < rows; r++) {
        var sum = 0;
        for (var c = 0; c < cols; c++) {
          var i = r * cols + c;
          var delta = about.bits === 8 ? bytes[at + i] : bytes[at + i] | (bytes[at + n + i] << 8);
          sum = (sum + delta) % mod;
          codes[i] = sum;
        }
      }
      at += n * about.bits / 8;
      return { about: about, codes: codes };
    });
  }

  function layerValue(layer, i) {
    var code = layer.codes[i];
    if (layer.about.bits === 8) return code;
    return code === NO_VALUE ? NaN : layer.about.offset + code * layer.about.scale;
  }

  /* What the lookup knows about the cell under `latlng`, or null outside its grid. */
  function cellAt(layers_, payload, latlng) {
    var p = L.CRS.EPSG3857.project(latlng), t = payload.transform;
    var col = Math.floor((p.x - t[2]) / t[0]), row = Math.floor((p.y - t[5]) / t[4]);
    if (row < 0 || col < 0 || row >= payload.shape[0] || col >= payload.shape[1]) return null;
    var i = row * payload.shape[1] + col, cell = { score: NaN, z: {}, raw: {}, exclusion: null };
    layers_.forEach(function (layer) {
      var a = layer.about, v = layerValue(layer, i);
      if (a.layer === "score") cell.score = v;
      else if (a.layer === "z") cell.z[a.name] = v;
      else if (a.layer === "raw") cell.raw[a.name] = v;
      else if (a.layer === "exclusion") cell.exclusion = v;
    });
    return cell;
  }

  function rawText(value, unit, ctx) {
    if (!isNumber(value)) return "–";
    if (unit === "m") return fmt(value, 0, ctx) + " m";
    if (unit === "share") return percent(value, ctx);
    var digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
    return fmt(value, digits, ctx) + (unit ? " " + unit : "");
  }

  function exclusionLabel(name, ctx) {
    var found = (ctx.exclusions || []).filter(function (x) { return x.name === name; })[0];
    return found ? found.label : name;
  }

  function cellPopup(cell, payload, ctx) {
    var L_ = ctx.labels, root = el("div", "pp-popup pp-cell-popup");
    root.appendChild(el("h4", null, L_.this_spot));
    root.appendChild(factsTable([[L_.score, fmt(cell.score, 3, ctx)]]));
    if (cell.exclusion === null) {
      root.appendChild(el("p", "pp-note", L_.exclusion_not_recorded));
    } else if (cell.exclusion > 0) {
      var name = payload.exclusions[cell.exclusion - 1];
      root.appendChild(el("p", "pp-excluded", L_.excluded_by + ": " + exclusionLabel(name, ctx)));
    } else if (!isNumber(cell.score)) {
      root.appendChild(el("p", "pp-note", L_.no_score_here));
    } else {
      root.appendChild(el("p", "pp-not-excluded", L_.not_excluded));
    }
    var values = ctx.criteria.map(function (c) { return cell.z[c.name]; });
    var contributions = null;
    if (ctx.additive && isNumber(cell.score) && values.every(isNumber)) {
      contributions = roundedParts(ctx.criteria.map(function (c, i) { return c.weight * values[i]; }),
        Math.round(cell.score * 1000)).map(function (k) { return k / 1000; });
    }
    var kept = ctx.criteria.filter(function (c) { return c.name in cell.raw; }).length;
    var raw = function (c) {
      if (c.name in cell.raw) return el("td", null, rawText(cell.raw[c.name], c.unit, ctx));
      var td = el("td", "pp-not-kept", "*");
      td.title = L_.raw_not_kept;
      return td;
    };
    if (ctx.criteria.length) {
      root.appendChild(el("h5", null, L_.breakdown));
      root.appendChild(breakdown(values, contributions, cell.score, ctx, kept ? raw : null));
      if (kept < ctx.criteria.length) {
        var note = kept ? "* " + L_.raw_not_kept : L_.raw_value + ": " + L_.raw_not_kept;
        root.appendChild(el("p", "pp-note", note));
      }
    }
    var square = Math.abs(payload.transform[0]) * Math.cos(L.CRS.EPSG3857.unproject(L.point(0, payload.transform[5])).lat * Math.PI / 180);
    if (isNumber(payload.cell_size_m)) {
      root.appendChild(el("p", "pp-note", say(L_.cell_note, {
        cell: fmt(payload.cell_size_m, 0, ctx), square: fmt(Math.round(square / 10) * 10, 0, ctx),
      })));
    }
    return root;
  }

  /* A click anywhere on the map (not on a site) shows what the lookup knows of that cell;
   * the packed layers are inflated on the first click. */
  function cellLookup(map, payload) {
    var decoded = null;
    function layersReady() {
      if (!decoded) {
        decoded = inflate(base64Bytes(payload.data)).then(function (bytes) {
          return unpackLayers(bytes, payload);
        });
      }
      return decoded;
    }
    map.on("click", function (e) {
      layersReady().then(function (layers_) {
        var cell = cellAt(layers_, payload, e.latlng);
        var nothing = !cell || (!isNumber(cell.score) && !cell.exclusion &&
          !Object.keys(cell.z).some(function (k) { return isNumber(cell.z[k]); }));
        if (nothing) return;
        var ctx = contextOf(map);
        L.popup({ maxWidth: 380, minWidth: 240, autoPan: true, className: "pp-popup-frame" })
          .setLatLng(e.latlng)
          .setContent(cellPopup(cell, payload, ctx))
          .openOn(map);
      });
    });
  }

  return {
    setup: setup,
    unpack: unpack,
    siteLayer: siteLayer,
    bindName: bindName,
    exclusionStyle: exclusionStyle,
    legend: legend,
    layers: layers,
    title: title,
    scale: scale,
    tileNotice: tileNotice,
    sync: sync,
    cellLookup: cellLookup,
    sitePopup: sitePopup,
    roundedParts: roundedParts,
  };
})();
