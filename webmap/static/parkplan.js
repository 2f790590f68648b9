/* parkplan map helpers.
 *
 * Popups, tooltips, labels, the legend and the title are built with DOM calls only
 * (createElement + textContent), never from HTML strings, so no value of the data can turn
 * into markup or script. Nothing here runs before a map calls it.
 */
var parkplan = (function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var MAX_VIOLATIONS = 3; // coalitions named in a popup; the report lists them all

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

  function gridTable(header, rows) {
    var table = el("table", "pp-grid");
    var head = el("tr");
    header.forEach(function (cell) {
      head.appendChild(el("th", null, cell));
    });
    table.appendChild(head);
    rows.forEach(function (row) {
      var tr = el("tr");
      row.forEach(function (cell, i) {
        tr.appendChild(el(i === 0 ? "th" : "td", null, cell));
      });
      table.appendChild(tr);
    });
    return table;
  }

  /* Horizontal bars of criterion scores 0..1: one row per criterion. */
  function barChart(names, values, ctx) {
    var barH = 12, gap = 5, labelW = 118, chartW = 110, valueW = 36;
    var width = labelW + chartW + valueW, height = names.length * (barH + gap);
    var root = svg("svg", {
      width: width, height: height, viewBox: "0 0 " + width + " " + height,
      class: "pp-bars", role: "img",
    });
    root.appendChild(svg("title", {}, ctx.labels.breakdown));
    names.forEach(function (name, i) {
      var y = i * (barH + gap), value = values[i];
      root.appendChild(svg("text", { x: 0, y: y + barH - 2, class: "pp-bar-label" }, name));
      root.appendChild(svg("rect", { x: labelW, y: y, width: chartW, height: barH, class: "pp-bar-bg" }));
      if (isNumber(value)) {
        var w = Math.max(0, Math.min(1, value)) * chartW;
        root.appendChild(svg("rect", { x: labelW, y: y, width: w, height: barH, class: "pp-bar" }));
      }
      root.appendChild(svg("text", { x: labelW + chartW + 4, y: y + barH - 2 }, fmt(value, 2, ctx)));
    });
    return root;
  }

  function equalisationBlock(eq, ctx) {
    var L = ctx.labels, box = el("div", "pp-equalisation");
    box.appendChild(el("h5", null, L.equalisation));
    if ("npv_eur" in eq) box.appendChild(factsTable([[L.npv, euro(eq.npv_eur, ctx)]]));
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
      box.appendChild(el("div", "pp-caption", L.net_pv));
      box.appendChild(gridTable([L.partner].concat(keys), rows));
    }
    var core = eq.core;
    if (core && typeof core === "object" && "in_core" in core) {
      var ok = core.in_core === true;
      var message = ok ? L.core_ok : L.core_violated;
      var violations = Array.isArray(core.violations) ? core.violations.map(String) : [];
      if (!ok && violations.length) {
        message += ": " + violations.slice(0, MAX_VIOLATIONS).join("; ");
        if (violations.length > MAX_VIOLATIONS) message += " (+" + (violations.length - MAX_VIOLATIONS) + ")";
      }
      box.appendChild(el("p", ok ? "pp-core-ok" : "pp-core-bad", message));
    } else {
      box.appendChild(el("p", "pp-core-unknown", L.core_unknown));
    }
    if (Array.isArray(eq.assumed) && eq.assumed.length) {
      box.appendChild(el("div", "pp-caption", L.assumed_facts));
      var list = el("ul", "pp-assumed");
      eq.assumed.forEach(function (line) { list.appendChild(el("li", null, line)); });
      box.appendChild(list);
    }
    return box;
  }

  function sitePopup(p, ctx) {
    var L = ctx.labels, root = el("div", "pp-popup");
    root.appendChild(el("h4", null, L.site + " " + text(p.site_id)));
    var facts = [
      [L.score, fmt(p.score, 2, ctx)],
      [L.rank, text(p.rank)],
      [L.area_ha, fmt(p.area_ha, 1, ctx)],
      [L.host, text(p.host)],
    ];
    if ("p_first" in p) facts.push([L.p_first, percent(p.p_first, ctx)]);
    if ("p_top3" in p) facts.push([L.p_top3, percent(p.p_top3, ctx)]);
    root.appendChild(factsTable(facts));
    if (ctx.criteria.length) {
      root.appendChild(el("h5", null, L.breakdown));
      root.appendChild(barChart(ctx.criteria, p.c || [], ctx));
    }
    if (p.split && p.split.length) {
      root.appendChild(el("h5", null, L.split));
      root.appendChild(gridTable(
        [L.municipality, L.area_ha, L.share],
        p.split.map(function (r) { return [text(r[0]), fmt(r[1], 1, ctx), percent(r[2], ctx)]; })
      ));
    }
    var eq = ctx.equalisation;
    if (eq && String(eq.site_id) === String(p.site_id)) root.appendChild(equalisationBlock(eq, ctx));
    return root;
  }

  function siteTooltip(p, ctx) {
    var L = ctx.labels;
    var line = L.site + " " + text(p.site_id) + " · " + L.score + " " + fmt(p.score, 2, ctx);
    if (p.rank !== undefined && p.rank !== null) line += " · " + L.rank + " " + text(p.rank);
    return el("div", "pp-tooltip", line);
  }

  /* onEachFeature of the sites layer. */
  function bindSite(feature, layer, ctx) {
    var p = feature.properties || {};
    layer.bindTooltip(function () { return siteTooltip(p, ctx); }, { sticky: true });
    layer.bindPopup(function () { return sitePopup(p, ctx); }, {
      maxWidth: 360,
      minWidth: 260,
      autoPanPaddingTopLeft: [60, 50], // keep the popup clear of the title and the buttons
    });
    layer.on("mouseover", function () { layer.setStyle({ weight: 3 }); });
    layer.on("mouseout", function () { layer.setStyle({ weight: 1 }); });
  }

  /* onEachFeature of a named layer: the name as a tooltip (or a permanent label). */
  function bindName(feature, layer, fallback, permanent) {
    var name = (feature.properties || {}).name;
    var label = text(name === undefined || name === null ? fallback : name);
    layer.bindTooltip(function () { return el("span", "pp-name", label); }, {
      permanent: !!permanent, direction: "center", className: permanent ? "pp-label" : "",
    });
  }

  function legend(map, options) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = el("div", "pp-legend");
      box.appendChild(el("div", "pp-legend-title", options.title));
      var bar = el("div", "pp-legend-bar");
      bar.style.background = "linear-gradient(to right, " + options.stops.map(function (s) {
        return s[1] + " " + (100 * s[0]) + "%";
      }).join(", ") + ")";
      box.appendChild(bar);
      var ticks = el("div", "pp-legend-ticks");
      options.ticks.forEach(function (t) {
        var tick = el("span", null, fmt(t, 1, options));
        tick.style.left = (100 * t) + "%";
        ticks.appendChild(tick);
      });
      box.appendChild(ticks);
      return box;
    };
    control.addTo(map);
    return control;
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

  /* Keep two maps on the same view, whichever one moves. */
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

  return {
    unpack: unpack,
    bindSite: bindSite,
    bindName: bindName,
    legend: legend,
    title: title,
    scale: scale,
    tileNotice: tileNotice,
    sync: sync,
    sitePopup: sitePopup,
  };
})();
