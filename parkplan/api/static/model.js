/* The model builder (/model): forms from the schema, transform curves over the histogram of
   the raw values, weights, aggregation, a live preview computed by the server, and saving.
   Every number shown is the server's (geo's transforms and aggregation); text from data is
   inserted as text, never as markup. */
(function () {
  "use strict";

  var root = document.getElementById("builder");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("model-text").textContent);
  var lang = root.getAttribute("data-lang") || "nl";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var locale = lang === "nl" ? "nl-BE" : "en-GB";
  var SAATY = [9, 8, 7, 6, 5, 4, 3, 2, 1, 1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 6, 1 / 7, 1 / 8, 1 / 9];
  var EDGE_KINDS = ["linear", "sigmoid", "j_shaped", "gaussian"];
  var POINTS = { increasing: ["a", "b"], decreasing: ["c", "d"], symmetric: ["a", "b", "c", "d"] };
  var AHP_MAX = 10;
  var DEBOUNCE_MS = 60;

  var S = {
    etag: null, model: null, exclusions: [], layers: [], forms: {}, scenarios: [], legend: [],
    draws: 0, topK: 3, answer: null, dirty: false, values: {}
  };
  var info = new WeakMap();   // per criterion or exclusion object: open, fresh, histogram, domain, curve
  var uid = 0;

  // -- small helpers --------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key === "text") { node.textContent = value; }
      else if (key.slice(0, 2) === "on") { node.addEventListener(key.slice(2), value); }
      else if (value === true) { node.setAttribute(key, ""); }
      else { node.setAttribute(key, String(value)); }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.append(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    return node;
  }

  function nextId(prefix) { uid += 1; return prefix + "-" + uid; }

  function number(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) { return "–"; }
    return new Intl.NumberFormat(locale, { maximumFractionDigits: digits === undefined ? 3 : digits }).format(x);
  }

  function percent(x) { return number(100 * x, 0) + " %"; }

  function fixed(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) { return "–"; }
    return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] === undefined ? "{" + key + "}" : values[key];
    });
  }

  function meta_of(item) {
    if (!info.has(item)) { info.set(item, { id: nextId("item") }); }
    return info.get(item);
  }

  function api(method, url, body, signal) {
    return fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: signal
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.detail || String(response.status));
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  function setStatus(text, isError) {
    var status = $("model-status");
    status.textContent = text;
    status.className = isError ? "status error" : "status";
  }

  function changed() { S.dirty = true; schedule(); }

  // -- loading ---------------------------------------------------------------------------------

  function load(scenario) {
    setStatus(T.loading);
    var url = "/api/model" + (scenario ? "?scenario=" + encodeURIComponent(scenario) : "");
    return api("GET", url).then(function (state) {
      S.etag = state.etag;
      S.model = state.model;
      S.exclusions = state.model.exclusions.map(function (cfg) { return { cfg: cfg, active: true }; });
      S.layers = state.layers;
      S.forms = state.forms;
      S.scenarios = state.scenarios;
      S.legend = state.legend;
      S.draws = state.draws;
      S.topK = state.top_k;
      S.answer = null;
      S.dirty = false;
      fillScenarios(scenario);
      drawLegend();
      renderAll();
      S.model.criteria.forEach(fetchHistogram);
      schedule(0);
    }).catch(function (error) { setStatus(T.error + ": " + error.message, true); });
  }

  function fillScenarios(current) {
    var select = $("start-scenario");
    var names = $("scenario-names");
    select.replaceChildren(el("option", { value: "", text: T.base_model }));
    names.replaceChildren();
    S.scenarios.forEach(function (s) {
      select.append(el("option", { value: s.name, text: s.name, selected: s.name === current }));
      names.append(el("option", { value: s.name }));
    });
  }

  function drawLegend() {
    var stops = S.legend.map(function (s) { return s[1] + " " + (100 * s[0]) + "%"; });
    $("legend-ramp").style.background = "linear-gradient(to right, " + stops.join(", ") + ")";
  }

  function renderAll() {
    renderCriteria();
    renderExclusions();
    renderWeights();
    renderAggregation();
  }

  // -- the draft -----------------------------------------------------------------------------

  function draft() {
    return {
      criteria: S.model.criteria,
      exclusions: S.exclusions.filter(function (e) { return e.active; }).map(function (e) { return e.cfg; }),
      weights: S.model.weights,
      aggregation: S.model.aggregation
    };
  }

  function domains() {
    var found = {};
    S.model.criteria.forEach(function (c) {
      var m = meta_of(c);
      if (m.domain && c.transform.kind !== "categorical") { found[c.name] = m.domain; }
    });
    return found;
  }

  // -- preview -----------------------------------------------------------------------------------

  var timer = null;
  var controller = null;
  var sequence = 0;
  var inFlight = false;
  var histogramsLoading = 0;

  function schedule(delay) {
    clearTimeout(timer);
    setStatus(T.updating);
    root.classList.add("pending");
    timer = setTimeout(runPreview, delay === undefined ? DEBOUNCE_MS : delay);
  }

  // The page is settled (no "pending") only when no preview is waiting or running and every
  // histogram has come back (each schedules a preview with its value range).
  function settle() {
    if (timer === null && !inFlight && histogramsLoading === 0) {
      root.classList.remove("pending");
      return true;
    }
    return false;
  }

  function runPreview() {
    timer = null;
    inFlight = true;
    if (controller) { controller.abort(); }
    controller = new AbortController();
    sequence += 1;
    var mine = sequence;
    var started = performance.now();
    api("POST", "/api/model/preview", { model: draft(), domains: domains() }, controller.signal)
      .then(function (answer) {
        if (mine !== sequence) { return; }
        inFlight = false;
        S.answer = answer;
        showPreview(answer);
        if (settle()) { setStatus(fill(T.updated, { ms: number(performance.now() - started, 0) })); }
      })
      .catch(function (error) {
        if (error.name === "AbortError" || mine !== sequence) { return; }
        inFlight = false;
        settle();
        setStatus(T.error + ": " + error.message, true);
      });
  }

  function showPreview(answer) {
    var image = $("preview-image");
    image.src = answer.image;
    image.hidden = false;
    drawSites(answer);
    drawRanking(answer);
    var stats = answer.stats;
    $("preview-overview").textContent = fill(T.overview, {
      width: answer.width, height: answer.height, cell: number(answer.cell_size_m, 0),
      scored: percent(stats.scored_share || 0), mean: number(stats.mean, 2)
    });
    $("robustness-note").textContent = fill(T.robustness_note, { draws: S.draws, k: S.topK });
    updateWeightFigures(answer);
    updateCurves(answer);
    updateExclusionAreas(answer);
  }

  function drawSites(answer) {
    var layer = $("preview-sites");
    layer.setAttribute("viewBox", "0 0 " + answer.width + " " + answer.height);
    layer.replaceChildren();
    var size = Math.max(answer.width, answer.height);
    answer.sites.forEach(function (site) {
      layer.append(svg("path", { d: site.outline, "class": "site-outline", "stroke-width": size / 400 }));
      var label = svg("text", {
        x: site.label_xy[0], y: site.label_xy[1], "class": "site-label", "font-size": size / 28,
        text: String(site.rank)
      });
      layer.append(label);
    });
  }

  function signParts(site) {
    if (!site.sign) { return ["–"]; }
    var word = site.sign === "out" ? fill(T.out, { k: S.topK }) : T[site.sign];
    var mark = { robust: "●", uncertain: "◐", out: "○" }[site.sign];
    return [mark + " ", el("span", { "class": "word", text: word + " " }), "(" + percent(site.p_top_k) + ")"];
  }

  function drawRanking(answer) {
    var body = document.querySelector("#ranking tbody");
    body.replaceChildren();
    $("no-run").hidden = answer.run_id !== null;
    answer.sites.forEach(function (site) {
      var moved = site.run_rank - site.rank;
      var change = moved > 0 ? " ▲" + moved : moved < 0 ? " ▼" + (-moved) : "";
      body.append(el("tr", { "data-site": site.site_id, "class": "sign-" + (site.sign || "none") }, [
        el("td", { "class": "num", text: String(site.rank) + change }),
        el("td", { text: site.site_id }),
        el("td", { "class": "num", text: fixed(site.score, 3) }),
        el("td", { "class": "num run-rank", text: String(site.run_rank) }),
        el("td", {}, signParts(site))
      ]));
    });
  }

  // -- forms from the schema ---------------------------------------------------------------------

  function optionLabel(form, field, value) {
    var tables = {
      "criterion.kind": T.kinds, "exclusion.kind": Object.assign({}, T.kinds, T.exclusion_kinds),
      "transform.kind": T.transform_kinds, "transform.direction": T.directions,
      "weights.method": T.weight_methods, "aggregation.method": T.aggregation_methods
    };
    var table = tables[form + "." + field] || {};
    return table[value] || value;
  }

  function layerChoices(form, kind) {
    var wanted = kind === "raster" ? "raster" : "vector";
    return S.layers.filter(function (l) { return l.kind === wanted; });
  }

  function layerOf(name) {
    return S.layers.filter(function (l) { return l.name === name; })[0];
  }

  function shown(spec, item) {
    return !spec.kinds.length || spec.kinds.indexOf(item.kind) >= 0;
  }

  function formFields(form, item, onStructure, onValue) {
    var box = el("div", { "class": "fields" });
    S.forms[form].forEach(function (spec) {
      if (!shown(spec, item)) { return; }
      box.append(fieldRow(form, spec, item, onStructure, onValue));
    });
    return box;
  }

  function fieldRow(form, spec, item, onStructure, onValue) {
    var id = nextId("f");
    var label = el("label", { "for": id, text: (T.fields[spec.name] || spec.name) + (spec.required ? " *" : "") });
    var input;
    var structural = ["kind", "layer", "column"].indexOf(spec.name) >= 0;
    var after = structural ? onStructure : onValue;
    if (spec.widget === "choice" || spec.widget === "layer" || spec.widget === "column") {
      input = el("select", { id: id, name: spec.name });
      var options = spec.options.map(function (o) { return [o, optionLabel(form, spec.name, o)]; });
      if (spec.widget === "layer") {
        options = layerChoices(form, item.kind).map(function (l) { return [l.name, l.name]; });
      } else if (spec.widget === "column") {
        var layer = layerOf(item.layer);
        options = (layer ? layer.columns : []).map(function (c) { return [c, c]; });
      }
      if (!spec.required || options.every(function (o) { return o[0] !== item[spec.name]; })) {
        input.append(el("option", { value: "", text: "—" }));
      }
      options.forEach(function (o) {
        input.append(el("option", { value: o[0], text: o[1], selected: o[0] === item[spec.name] }));
      });
      input.addEventListener("change", function () {
        item[spec.name] = input.value === "" ? null : input.value;
        after(spec.name);
      });
    } else if (spec.widget === "number" || spec.widget === "integer") {
      input = el("input", {
        id: id, name: spec.name, type: "number", step: spec.widget === "integer" ? 1 : "any",
        min: spec.minimum, max: spec.maximum,
        value: item[spec.name] === null || item[spec.name] === undefined ? "" : item[spec.name]
      });
      input.addEventListener("input", function () {
        if (input.value !== "" && !input.checkValidity()) { return; }
        item[spec.name] = input.value === "" ? null : Number(input.value);
        after(spec.name);
      });
    } else if (spec.widget === "list") {
      return listField(spec, item, id, label, after);
    } else {
      input = el("input", {
        id: id, name: spec.name, type: "text", value: item[spec.name] || "",
        pattern: spec.name === "name" ? "[a-z][a-z0-9_]{0,62}" : null,
        maxlength: spec.name === "label" ? 120 : spec.name === "name" ? 63 : 300
      });
      input.addEventListener(spec.name === "name" ? "change" : "input", function () {
        if (spec.name === "name") {
          if (!input.checkValidity()) { return; }
          renamed(item, item.name, input.value);
        }
        item[spec.name] = input.value === "" && spec.name === "label" ? null : input.value;
        after(spec.name);
      });
    }
    if (spec.description && lang === "en") { input.setAttribute("title", spec.description); }
    return el("div", { "class": "field" }, [label, input]);
  }

  function listField(spec, item, id, label, after) {
    var box = el("fieldset", { "class": "field list-field" }, [el("legend", { text: label.textContent })]);
    var key = item.layer + "|" + item.column;
    var values = S.values[key];
    var chosen = item[spec.name] || [];
    if (!values) {
      box.append(el("span", { "class": "hint", text: "…" }));
      if (item.layer && item.column) { fetchValues(item.layer, item.column, after, spec.name); }
      return box;
    }
    values.forEach(function (value) {
      var box_id = nextId("v");
      var check = el("input", { type: "checkbox", id: box_id, checked: chosen.indexOf(value) >= 0 });
      check.addEventListener("change", function () {
        var list = (item[spec.name] || []).filter(function (v) { return v !== value; });
        if (check.checked) { list.push(value); }
        item[spec.name] = list.length ? list : null;
        after(spec.name);
      });
      box.append(el("label", { "for": box_id, "class": "check" }, [check, " ", value]));
    });
    return box;
  }

  function fetchValues(layer, column, after, field) {
    var key = layer + "|" + column;
    if (S.values[key] === null) { return; }
    S.values[key] = null;
    api("POST", "/api/model/values", { layer: layer, column: column }).then(function (answer) {
      S.values[key] = answer.values;
      renderCriteria();
      renderExclusions();
    }).catch(function (error) {
      S.values[key] = [];
      setStatus(T.error + ": " + error.message, true);
    });
  }

  function renamed(item, before, after) {
    var weights = S.model.weights;
    if (weights.order) {
      weights.order = weights.order.map(function (n) { return n === before ? after : n; });
    }
  }

  // -- criteria ------------------------------------------------------------------------------------

  function renderCriteria() {
    var box = $("criteria");
    box.replaceChildren();
    S.model.criteria.forEach(function (c, index) { box.append(criterionCard(c, index)); });
  }

  function criterionCard(c, index) {
    var m = meta_of(c);
    var card = el("details", { "class": "card", open: !!m.open, "data-criterion": c.name });
    card.addEventListener("toggle", function () { m.open = card.open; });
    card.append(el("summary", {}, [
      el("strong", { text: c.name }), " ",
      el("span", { "class": "hint", text: c.kind + " · " + c.layer + " · " }), share(c.name)
    ]));
    var redraw = function () { replaceCard(card, c, index); fetchHistogram(c); changed(); };
    card.append(formFields("criterion", c, function (field) {
      if (field === "kind") { kindChanged(c); }
      if (field === "layer" || field === "kind") { c.column = null; }
      m.fresh = true;
      redraw();
    }, function (field) {
      if (field === "categories" || field === "radius_m") { fetchHistogram(c); }
      if (field === "name") { renderAll(); }
      changed();
    }));
    card.append(transformEditor(c));
    card.append(el("button", {
      type: "button", "class": "remove", text: T.remove + " " + c.name,
      onclick: function () { removeCriterion(index); }
    }));
    return card;
  }

  function replaceCard(card, c, index) {
    var fresh = criterionCard(c, index);
    card.replaceWith(fresh);
  }

  function compatibleLayer(form, item) {
    var choices = layerChoices(form, item.kind);
    if (!choices.some(function (l) { return l.name === item.layer; })) {
      item.layer = choices.length ? choices[0].name : "";
    }
  }

  function kindChanged(c) {
    compatibleLayer("criterion", c);
    if (c.kind === "zoning") {
      c.transform = { kind: "categorical", direction: "increasing", mapping: {} };
    } else if (c.transform.kind === "categorical") {
      c.transform = { kind: "linear", direction: "decreasing", c: 0, d: 1 };
    }
    c.categories = null;
    c.radius_m = c.kind === "zone_share" ? 500 : null;
  }

  function removeCriterion(index) {
    var gone = S.model.criteria.splice(index, 1)[0];
    var w = S.model.weights;
    if (w.order) { w.order = w.order.filter(function (n) { return n !== gone.name; }); }
    if (w.pairwise) {
      w.pairwise = w.pairwise.filter(function (_, i) { return i !== index; })
        .map(function (row) { return row.filter(function (_, j) { return j !== index; }); });
    }
    renderAll();
    changed();
  }

  function freeName(prefix, taken) {
    for (var k = taken.length + 1; ; k += 1) {
      if (taken.indexOf(prefix + "_" + k) < 0) { return prefix + "_" + k; }
    }
  }

  function addCriterion() {
    var names = S.model.criteria.map(function (c) { return c.name; });
    var layer = layerChoices("criterion", "distance")[0];
    var c = {
      name: freeName("criterion", names), kind: "distance", layer: layer ? layer.name : "",
      weight: S.model.weights.method === "direct" ? 0.1 : null,
      transform: { kind: "linear", direction: "decreasing", c: 0, d: 1000 },
      description: ""
    };
    S.model.criteria.push(c);
    var m = meta_of(c);
    m.open = true;
    m.fresh = true;
    var w = S.model.weights;
    if (w.order) { w.order.push(c.name); }
    if (w.pairwise) {
      w.pairwise.forEach(function (row) { row.push(1); });
      w.pairwise.push(S.model.criteria.map(function () { return 1; }));
    }
    renderAll();
    fetchHistogram(c);
    changed();
  }

  // -- histograms and transform curves ----------------------------------------------------------

  function fetchHistogram(c) {
    var m = meta_of(c);
    var counted = true;
    function answered() { if (counted) { counted = false; histogramsLoading -= 1; } }
    histogramsLoading += 1;
    api("POST", "/api/model/histogram", { criterion: c }).then(function (hist) {
      answered();
      m.histogram = hist;
      m.histogramError = null;
      if (m.fresh) { seedTransform(c, hist); m.fresh = false; }
      m.domain = domainOf(c, hist);
      redrawTransform(c);
      schedule();
    }).catch(function (error) {
      answered();
      m.histogramError = error.message;
      redrawTransform(c);
      settle();
    });
  }

  function niceStep(span) {
    var raw = span / 200;
    return raw > 0 ? Math.pow(10, Math.floor(Math.log10(raw))) : 1;
  }

  function rounded(x, step) { return Math.round(x / step) * step; }

  function seedTransform(c, hist) {
    var t = c.transform;
    if (hist.categories.length) {
      if (t.kind === "categorical" && (!t.mapping || !Object.keys(t.mapping).length)) {
        t.mapping = {};
        hist.categories.forEach(function (cat) { if (cat.category) { t.mapping[cat.category] = 0.5; } });
      }
      return;
    }
    if (EDGE_KINDS.indexOf(t.kind) < 0 || hist.low === null) { return; }
    var q = hist.quantiles;
    var step = niceStep(hist.high - hist.low);
    var low = rounded(q.p05, step);
    var high = Math.max(rounded(q.p95, step), low + step);
    if (t.direction === "increasing") { t.a = low; t.b = high; }
    else if (t.direction === "decreasing") { t.c = low; t.d = high; }
    else { t.a = low; t.b = rounded(q.p50, step); t.c = Math.max(t.b, rounded(q.p50, step)); t.d = high; }
  }

  function controlValues(t) {
    var xs = [];
    if (EDGE_KINDS.indexOf(t.kind) >= 0) {
      (POINTS[t.direction] || []).forEach(function (p) { if (t[p] !== null && t[p] !== undefined) { xs.push(t[p]); } });
    } else if (t.kind === "piecewise") {
      (t.points || []).forEach(function (p) { xs.push(p[0]); });
    }
    return xs;
  }

  function domainOf(c, hist) {
    if (hist.low === null || hist.categories.length) { return null; }
    var xs = controlValues(c.transform).concat([hist.low, hist.high]);
    var low = Math.min.apply(null, xs);
    var high = Math.max.apply(null, xs);
    var pad = (high - low) * 0.05 || 1;
    return [hist.low >= 0 && low >= 0 ? Math.max(low - pad, 0) : low - pad, high + pad];
  }

  function transformEditor(c) {
    var m = meta_of(c);
    var box = el("div", { "class": "transform", id: m.id + "-transform" });
    fillTransform(box, c);
    return box;
  }

  function redrawTransform(c) {
    var box = $(meta_of(c).id + "-transform");
    if (box) { box.replaceChildren(); fillTransform(box, c); }
  }

  function fillTransform(box, c) {
    var t = c.transform;
    var m = meta_of(c);
    box.append(el("h4", { text: T.transform }));
    var specs = S.forms.transform.filter(function (s) { return s.name === "kind" || (s.name === "direction" && EDGE_KINDS.indexOf(t.kind) >= 0); });
    var fields = el("div", { "class": "fields" });
    specs.forEach(function (spec) {
      fields.append(fieldRow("transform", spec, t, function () {
        transformKindChanged(c);
        redrawTransform(c);
        changed();
      }, changed));
    });
    box.append(fields);
    if (m.histogramError) { box.append(el("p", { "class": "error", text: m.histogramError })); }
    if (t.kind === "categorical") { box.append(categoryEditor(c)); return; }
    box.append(curveEditor(c));
  }

  function transformKindChanged(c) {
    var t = c.transform;
    var m = meta_of(c);
    var hist = m.histogram;
    var span = m.domain ? m.domain[1] - m.domain[0] : 1000;
    var low = m.domain ? m.domain[0] + span * 0.1 : 0;
    var high = m.domain ? m.domain[1] - span * 0.1 : 1000;
    ["a", "b", "c", "d"].forEach(function (p) { t[p] = null; });
    t.points = null;
    t.mapping = null;
    if (t.kind === "piecewise") {
      t.points = [[low, 0], [(low + high) / 2, 0.5], [high, 1]];
    } else if (t.kind === "categorical") {
      t.mapping = {};
      (hist && hist.categories || []).forEach(function (cat) { if (cat.category) { t.mapping[cat.category] = 0.5; } });
    } else {
      var names = POINTS[t.direction] || POINTS.increasing;
      names.forEach(function (p, k) { t[p] = low + (high - low) * k / Math.max(names.length - 1, 1); });
    }
    if (hist) { m.domain = domainOf(c, hist); }
  }

  // The curve editor: x = raw value over the domain, y = μ; the histogram behind it.
  var W = 420, H = 190, ML = 34, MR = 12, MT = 14, MB = 30;

  function curveEditor(c) {
    var m = meta_of(c);
    var t = c.transform;
    var wrap = el("div", { "class": "curve" });
    if (!m.domain) { wrap.append(el("p", { "class": "hint", text: "…" })); return wrap; }
    var lo = m.domain[0], hi = m.domain[1];
    var sx = function (x) { return ML + (x - lo) / (hi - lo) * (W - ML - MR); };
    var sy = function (mu) { return MT + (1 - mu) * (H - MT - MB); };
    var plot = svg("svg", { viewBox: "0 0 " + W + " " + H, "class": "curve-svg", role: "group",
      "aria-label": T.transform + ": " + c.name });
    plot.append(svg("title", { text: T.histogram }));
    var hist = m.histogram;
    if (hist && hist.counts.length) {
      var most = Math.max.apply(null, hist.counts) || 1;
      hist.counts.forEach(function (count, k) {
        var x0 = sx(hist.edges[k]), x1 = sx(hist.edges[k + 1]);
        var h = count / most * (H - MT - MB);
        plot.append(svg("rect", { x: x0, y: H - MB - h, width: Math.max(x1 - x0 - 0.5, 0.5), height: h, "class": "bar" }));
      });
    }
    plot.append(svg("line", { x1: ML, y1: H - MB, x2: W - MR, y2: H - MB, "class": "axis" }));
    plot.append(svg("line", { x1: ML, y1: MT, x2: ML, y2: H - MB, "class": "axis" }));
    plot.append(svg("text", { x: ML - 4, y: sy(1) + 4, "class": "tick end", text: "1" }));
    plot.append(svg("text", { x: ML - 4, y: sy(0) + 4, "class": "tick end", text: "0" }));
    [lo, (lo + hi) / 2, hi].forEach(function (x, k) {
      plot.append(svg("text", { x: sx(x), y: H - MB + 14, "class": "tick " + ["start", "middle", "end"][k], text: number(x, 0) }));
    });
    var curve = svg("polyline", { "class": "curve-line", points: "" });
    plot.append(curve);
    m.curveNode = curve;
    m.scale = { sx: sx, sy: sy };
    drawCurve(c);
    var inputs = el("div", { "class": "points" });
    if (t.kind === "piecewise") {
      (t.points || []).forEach(function (_, k) { handle(c, plot, inputs, k); });
    } else {
      (POINTS[t.direction] || []).forEach(function (name) { handle(c, plot, inputs, name); });
    }
    wrap.append(plot, el("p", { "class": "hint", text: T.curve_help }), inputs);
    if (t.kind === "piecewise") {
      wrap.append(el("div", { "class": "row" }, [
        el("button", { type: "button", text: T.add_point, onclick: function () { addPoint(c); } }),
        el("button", { type: "button", text: T.remove_point, disabled: (t.points || []).length <= 2,
          onclick: function () { t.points.pop(); redrawTransform(c); changed(); } })
      ]));
    }
    return wrap;
  }

  function drawCurve(c) {
    var m = meta_of(c);
    if (!m.curveNode || !m.scale) { return; }
    var samples = S.answer && S.answer.curves[c.name];
    if (!samples) { m.curveNode.setAttribute("points", ""); return; }
    m.curveNode.setAttribute("points", samples.map(function (p) {
      return m.scale.sx(Math.min(Math.max(p[0], m.domain[0]), m.domain[1])).toFixed(1) + "," + m.scale.sy(p[1]).toFixed(1);
    }).join(" "));
  }

  function updateCurves() {
    S.model.criteria.forEach(drawCurve);
  }

  function addPoint(c) {
    var pts = c.transform.points;
    var gap = 0, at = 0;
    for (var k = 1; k < pts.length; k += 1) {
      if (pts[k][0] - pts[k - 1][0] > gap) { gap = pts[k][0] - pts[k - 1][0]; at = k; }
    }
    var x = (pts[at - 1][0] + pts[at][0]) / 2, mu = (pts[at - 1][1] + pts[at][1]) / 2;
    pts.splice(at, 0, [x, Math.round(mu * 100) / 100]);
    redrawTransform(c);
    changed();
  }

  // A control point: a knob to drag or move with the keys, and a number input.
  function handle(c, plot, inputs, which) {
    var m = meta_of(c);
    var t = c.transform;
    var piecewise = typeof which === "number";
    var span = m.domain[1] - m.domain[0];
    var step = niceStep(span);
    var eps = span / 1000;
    var get = function () { return piecewise ? t.points[which] : [t[which], "ad".indexOf(which) >= 0 ? 0 : 1]; };
    var bounds = function () {
      var lowX = m.domain[0], highX = m.domain[1];
      if (piecewise) {
        if (which > 0) { lowX = t.points[which - 1][0] + eps; }
        if (which < t.points.length - 1) { highX = t.points[which + 1][0] - eps; }
      } else {
        var names = POINTS[t.direction];
        var k = names.indexOf(which);
        if (k > 0) { lowX = t[names[k - 1]] + eps; }
        if (k < names.length - 1) { highX = t[names[k + 1]] - eps; }
      }
      return [lowX, highX];
    };
    var label = piecewise ? T.point + " " + (which + 1) : which;
    var line = svg("line", { "class": "guide" });
    var knob = svg("circle", { r: 7, "class": "knob", tabindex: 0, role: "slider", "aria-label": label + " (" + c.name + ")" });
    var tag = svg("text", { "class": "knob-label", text: piecewise ? String(which + 1) : which });
    plot.append(line, knob, tag);
    var id = nextId("p");
    var xInput = el("input", { id: id, type: "number", step: "any" });
    var muInput = piecewise ? el("input", { type: "number", step: 0.05, min: 0, max: 1, "aria-label": "μ " + label }) : null;
    inputs.append(el("div", { "class": "point" }, [el("label", { "for": id, text: label }), xInput, muInput]));

    function place() {
      var p = get();
      var x = m.scale.sx(p[0]), y = m.scale.sy(p[1]);
      line.setAttribute("x1", x); line.setAttribute("x2", x);
      line.setAttribute("y1", m.scale.sy(1)); line.setAttribute("y2", m.scale.sy(0));
      knob.setAttribute("cx", x); knob.setAttribute("cy", y);
      tag.setAttribute("x", x + 9); tag.setAttribute("y", y - 8);
      knob.setAttribute("aria-valuenow", p[0]);
      knob.setAttribute("aria-valuetext", number(p[0], 3) + (piecewise ? ", μ " + number(p[1], 2) : ""));
      if (document.activeElement !== xInput) { xInput.value = p[0]; }
      if (muInput && document.activeElement !== muInput) { muInput.value = p[1]; }
    }

    function set(x, mu) {
      var b = bounds();
      x = Math.min(Math.max(rounded(x, step), b[0]), b[1]);
      if (piecewise) {
        t.points[which] = [x, Math.min(Math.max(Math.round(mu * 100) / 100, 0), 1)];
      } else {
        t[which] = x;
      }
      place();
      changed();
    }

    var dragging = false;
    knob.addEventListener("pointerdown", function (event) {
      dragging = true;
      knob.setPointerCapture(event.pointerId);
      knob.focus();
      event.preventDefault();
    });
    knob.addEventListener("pointermove", function (event) {
      if (!dragging) { return; }
      var point = plot.createSVGPoint();
      point.x = event.clientX; point.y = event.clientY;
      var local = point.matrixTransform(plot.getScreenCTM().inverse());
      var x = m.domain[0] + (local.x - ML) / (W - ML - MR) * span;
      var mu = 1 - (local.y - MT) / (H - MT - MB);
      set(x, piecewise ? mu : 0);
    });
    var stop = function () { dragging = false; };
    knob.addEventListener("pointerup", stop);
    knob.addEventListener("pointercancel", stop);
    knob.addEventListener("keydown", function (event) {
      var p = get();
      var dx = (event.shiftKey ? 10 : 1) * span / 100;
      var moves = {
        ArrowLeft: [-dx, 0], ArrowRight: [dx, 0], ArrowDown: [0, -0.05], ArrowUp: [0, 0.05]
      };
      var move = moves[event.key];
      if (event.key === "Home") { set(bounds()[0], p[1]); }
      else if (event.key === "End") { set(bounds()[1], p[1]); }
      else if (move && (piecewise || move[1] === 0)) { set(p[0] + move[0], p[1] + move[1]); }
      else { return; }
      event.preventDefault();
    });
    xInput.addEventListener("change", function () {
      if (xInput.value !== "") { set(Number(xInput.value), get()[1]); }
    });
    if (muInput) {
      muInput.addEventListener("change", function () {
        if (muInput.value !== "") { set(get()[0], Number(muInput.value)); }
      });
    }
    place();
  }

  function categoryEditor(c) {
    var t = c.transform;
    var m = meta_of(c);
    var hist = m.histogram;
    var table = el("table", { "class": "categories" }, [el("thead", {}, [el("tr", {}, [
      el("th", { scope: "col", text: T.category }), el("th", { scope: "col", "class": "num", text: T.cells }),
      el("th", { scope: "col", text: T.suitability })
    ])])]);
    var body = el("tbody");
    var counts = {};
    (hist ? hist.categories : []).forEach(function (cat) { counts[cat.category] = cat.count; });
    var keys = Object.keys(t.mapping || {});
    Object.keys(counts).forEach(function (k) { if (k && keys.indexOf(k) < 0) { keys.push(k); } });
    keys.forEach(function (key) {
      var id = nextId("m");
      var value = (t.mapping || {})[key];
      var range = el("input", { id: id, type: "range", min: 0, max: 1, step: 0.05, value: value === undefined ? 0 : value });
      var shownValue = el("output", { "for": id, text: number(value === undefined ? 0 : value, 2) });
      range.addEventListener("input", function () {
        t.mapping = t.mapping || {};
        t.mapping[key] = Number(range.value);
        shownValue.textContent = number(Number(range.value), 2);
        changed();
      });
      body.append(el("tr", {}, [
        el("th", { scope: "row" }, [el("label", { "for": id, text: key })]),
        el("td", { "class": "num", text: counts[key] === undefined ? "–" : number(counts[key], 0) }),
        el("td", {}, [range, " ", shownValue])
      ]));
    });
    table.append(body);
    return el("div", { "class": "scroll" }, [table]);
  }

  // -- exclusions ------------------------------------------------------------------------------------

  function renderExclusions() {
    var box = $("exclusions");
    box.replaceChildren();
    S.exclusions.forEach(function (item, index) { box.append(exclusionCard(item, index)); });
  }

  function exclusionCard(item, index) {
    var e = item.cfg;
    var m = meta_of(e);
    var card = el("details", { "class": "card" + (item.active ? "" : " inactive"), open: !!m.open, "data-exclusion": e.name });
    card.addEventListener("toggle", function () { m.open = card.open; });
    var active_id = nextId("a");
    var toggle = el("input", { type: "checkbox", id: active_id, checked: item.active });
    toggle.addEventListener("change", function () {
      item.active = toggle.checked;
      card.classList.toggle("inactive", !item.active);
      changed();
    });
    card.append(el("summary", {}, [
      el("strong", { text: e.name }), " ",
      el("span", { "class": "hint", text: e.kind + " · " + e.layer }), " ",
      el("span", { "class": "hint area", "data-area": e.name })
    ]));
    card.append(el("div", { "class": "field" }, [toggle, el("label", { "for": active_id, text: T.active })]));
    card.append(formFields("exclusion", e, function (field) {
      if (field === "kind") { compatibleLayer("exclusion", e); }
      card.replaceWith(exclusionCard(item, index));
      changed();
    }, function (field) {
      if (field === "name") { card.replaceWith(exclusionCard(item, index)); }
      changed();
    }));
    card.append(el("button", { type: "button", "class": "remove", text: T.remove + " " + e.name,
      onclick: function () { S.exclusions.splice(index, 1); renderExclusions(); changed(); } }));
    return card;
  }

  function addExclusion() {
    var names = S.exclusions.map(function (e) { return e.cfg.name; });
    var polygons = S.layers.filter(function (l) { return l.kind === "vector" && /Polygon/.test(l.geometry_type || ""); });
    var layer = polygons[0] || layerChoices("exclusion", "inside")[0];
    var e = { name: freeName("exclusion", names), kind: "inside", layer: layer ? layer.name : "", description: "" };
    S.exclusions.push({ cfg: e, active: true });
    meta_of(e).open = true;
    renderExclusions();
    changed();
  }

  function updateExclusionAreas(answer) {
    answer.exclusions.forEach(function (row) {
      document.querySelectorAll('[data-area]').forEach(function (node) {
        if (node.getAttribute("data-area") === row.name) {
          node.textContent = "· " + fill(T.excluded_ha, { ha: number(row.alone_ha, 0) });
        }
      });
    });
  }

  // -- weights ---------------------------------------------------------------------------------------

  function names() { return S.model.criteria.map(function (c) { return c.name; }); }

  function currentWeights() {
    var found = {};
    var given = S.answer ? S.answer.weights : {};
    S.model.criteria.forEach(function (c) {
      found[c.name] = given[c.name] !== undefined ? given[c.name] : (c.weight || 1 / S.model.criteria.length);
    });
    return found;
  }

  function snapSaaty(ratio) {
    var best = 1, distance = Infinity;
    SAATY.forEach(function (v) {
      var d = Math.abs(Math.log(v) - Math.log(ratio));
      if (d < distance) { distance = d; best = v; }
    });
    return best;
  }

  function setMethod(method) {
    var w = S.model.weights;
    var now = currentWeights();
    var list = names();
    if (method === "direct") {
      S.model.criteria.forEach(function (c) { c.weight = Math.round(now[c.name] * 100) / 100; });
      S.model.weights = { method: "direct", order: null, pairwise: null };
    } else if (method === "ahp") {
      var pairwise = w.pairwise && w.pairwise.length === list.length ? w.pairwise : list.map(function (a) {
        return list.map(function (b) { return a === b ? 1 : snapSaaty(now[a] / now[b]); });
      });
      pairwise.forEach(function (row, i) { row.forEach(function (v, j) { if (j < i) { row[j] = 1 / pairwise[j][i]; } }); });
      S.model.weights = { method: "ahp", order: null, pairwise: pairwise };
    } else {
      var order = w.order && w.order.length === list.length ? w.order : list.slice().sort(function (a, b) { return now[b] - now[a]; });
      S.model.weights = { method: method, order: order, pairwise: null };
    }
    renderWeights();
    changed();
  }

  function renderWeights() {
    var box = $("weights");
    box.replaceChildren();
    var w = S.model.weights;
    var id = nextId("w");
    var select = el("select", { id: id });
    S.forms.weights.filter(function (s) { return s.name === "method"; })[0].options.forEach(function (o) {
      select.append(el("option", { value: o, text: optionLabel("weights", "method", o), selected: o === w.method,
        disabled: o === "ahp" && S.model.criteria.length > AHP_MAX }));
    });
    select.addEventListener("change", function () { setMethod(select.value); });
    box.append(el("div", { "class": "field" }, [el("label", { "for": id, text: T.method }), select]));
    if (w.method === "direct") { box.append(directWeights()); }
    else if (w.method === "ahp") { box.append(ahpMatrix()); }
    else { box.append(rankList()); }
    if (S.answer) { updateWeightFigures(S.answer); }
  }

  function share(name) {
    return el("span", { "class": "share num", "data-share": name, text: "" });
  }

  function directWeights() {
    var table = el("table", { "class": "weights" });
    S.model.criteria.forEach(function (c) {
      var id = nextId("s");
      var range = el("input", { id: id, type: "range", min: 0, max: 1, step: 0.01, value: c.weight || 0, "data-weight": c.name });
      var exact = el("input", { type: "number", min: 0, max: 1e6, step: 0.01, value: c.weight || 0, "aria-label": T.weight + " " + c.name });
      range.addEventListener("input", function () { c.weight = Number(range.value); exact.value = range.value; changed(); });
      exact.addEventListener("input", function () {
        if (exact.value === "" || !exact.checkValidity()) { return; }
        c.weight = Number(exact.value);
        range.value = Math.min(c.weight, 1);
        changed();
      });
      table.append(el("tr", {}, [
        el("th", { scope: "row" }, [el("label", { "for": id, text: c.name })]),
        el("td", {}, [range]), el("td", {}, [exact]), el("td", { "class": "num" }, [share(c.name)])
      ]));
    });
    return el("div", { "class": "scroll" }, [table]);
  }

  function rankList() {
    var w = S.model.weights;
    var list = el("ol", { "class": "ranks" });
    w.order.forEach(function (name, k) {
      var move = function (by) {
        var other = k + by;
        if (other < 0 || other >= w.order.length) { return; }
        w.order[k] = w.order[other];
        w.order[other] = name;
        renderWeights();
        changed();
        var again = document.querySelector('[data-rank="' + CSS.escape(name) + '"] button.' + (by < 0 ? "up" : "down"));
        if (again) { again.focus(); }
      };
      list.append(el("li", { "data-rank": name }, [
        el("span", { "class": "name", text: name }), " ",
        el("button", { type: "button", "class": "up", "aria-label": T.up + " " + name, text: "↑", disabled: k === 0, onclick: function () { move(-1); } }),
        el("button", { type: "button", "class": "down", "aria-label": T.down + " " + name, text: "↓", disabled: k === w.order.length - 1, onclick: function () { move(1); } }),
        " ", share(name)
      ]));
    });
    return el("div", {}, [el("p", { "class": "hint", text: T.rank_help }), list]);
  }

  function saatyLabel(v) {
    return v >= 1 ? String(Math.round(v)) : "1/" + Math.round(1 / v);
  }

  function ahpMatrix() {
    var w = S.model.weights;
    var list = names();
    var head = el("tr", {}, [el("td")].concat(list.map(function (n) { return el("th", { scope: "col", text: n }); })));
    var table = el("table", { "class": "ahp" }, [el("thead", {}, [head])]);
    var body = el("tbody");
    list.forEach(function (a, i) {
      var row = el("tr", {}, [el("th", { scope: "row", text: a })]);
      list.forEach(function (b, j) {
        var cell = el("td", { "data-pair": i + "-" + j });
        if (i === j) { cell.textContent = "1"; }
        else if (j < i) { cell.textContent = saatyLabel(w.pairwise[i][j]); cell.className = "reciprocal"; }
        else {
          var select = el("select", { "aria-label": a + " / " + b });
          var current = snapSaaty(w.pairwise[i][j]);
          SAATY.forEach(function (v) { select.append(el("option", { value: v, text: saatyLabel(v), selected: v === current })); });
          select.addEventListener("change", function () {
            var v = Number(select.value);
            w.pairwise[i][j] = v;
            w.pairwise[j][i] = 1 / v;
            var mirror = document.querySelector('[data-pair="' + j + "-" + i + '"]');
            if (mirror) { mirror.textContent = saatyLabel(1 / v); }
            changed();
          });
          cell.append(select);
        }
        row.append(cell);
      });
      row.append(el("td", { "class": "num" }, [share(a)]));
      body.append(row);
    });
    table.append(body);
    return el("div", {}, [
      el("p", { "class": "hint", text: T.ahp_help }),
      el("div", { "class": "scroll" }, [table]),
      el("p", { id: "ahp-consistency", "class": "consistency", "aria-live": "polite" })
    ]);
  }

  function updateWeightFigures(answer) {
    document.querySelectorAll("[data-share]").forEach(function (node) {
      var value = answer.weights[node.getAttribute("data-share")];
      node.textContent = value === undefined ? "" : percent(value);
    });
    var line = $("ahp-consistency");
    document.querySelectorAll("td.worst").forEach(function (cell) { cell.classList.remove("worst"); });
    if (!line || !answer.ahp) { return; }
    var ahp = answer.ahp;
    line.className = "consistency " + (ahp.acceptable ? "ok" : "bad");
    var text = T.consistency + " " + fixed(ahp.cr, 3) + ": " + (ahp.acceptable ? T.acceptable : T.not_acceptable) + ".";
    var worst = ahp.most_inconsistent;
    if (worst && worst.log_ratio > 1e-3) {
      text += " " + fill(T.most_inconsistent, { i: worst.i, j: worst.j, given: number(worst.judgement, 2), implied: number(worst.implied, 2) }) + ".";
      var list = names();
      var i = list.indexOf(worst.i), j = list.indexOf(worst.j);
      var cell = document.querySelector('[data-pair="' + Math.min(i, j) + "-" + Math.max(i, j) + '"]');
      if (cell) { cell.classList.add("worst"); }
    }
    line.textContent = text;
  }

  // -- aggregation -----------------------------------------------------------------------------------

  function renderAggregation() {
    var box = $("aggregation");
    box.replaceChildren();
    var a = S.model.aggregation;
    var id = nextId("g");
    var select = el("select", { id: id });
    S.forms.aggregation.filter(function (s) { return s.name === "method"; })[0].options.forEach(function (o) {
      select.append(el("option", { value: o, text: optionLabel("aggregation", "method", o), selected: o === a.method }));
    });
    select.addEventListener("change", function () {
      S.model.aggregation = select.value === "owa"
        ? { method: "owa", andness: 0.5, tradeoff: null, order_weights: null }
        : { method: select.value, andness: null, tradeoff: null, order_weights: null };
      renderAggregation();
      changed();
    });
    box.append(el("div", { "class": "field" }, [el("label", { "for": id, text: T.method }), select]));
    if (a.method !== "owa") { return; }
    if (a.order_weights) {
      var row = el("div", { "class": "field" }, [el("span", { text: T.order_weights })]);
      a.order_weights.forEach(function (v, k) {
        var input = el("input", { type: "number", min: 0, step: 0.05, value: v, "aria-label": T.order_weights + " " + (k + 1) });
        input.addEventListener("input", function () { if (input.value !== "") { a.order_weights[k] = Number(input.value); changed(); } });
        row.append(input);
      });
      box.append(row);
      return;
    }
    box.append(slider(T.andness, a, "andness"));
    var use_id = nextId("t");
    var use = el("input", { type: "checkbox", id: use_id, checked: a.tradeoff !== null && a.tradeoff !== undefined });
    use.addEventListener("change", function () {
      a.tradeoff = use.checked ? 0.5 : null;
      renderAggregation();
      changed();
    });
    box.append(el("div", { "class": "field" }, [use, el("label", { "for": use_id, text: T.use_tradeoff })]));
    if (use.checked) { box.append(slider(T.tradeoff, a, "tradeoff")); }
  }

  function slider(label, item, key) {
    var id = nextId("r");
    var range = el("input", { id: id, type: "range", min: 0, max: 1, step: 0.05, value: item[key] });
    var out = el("output", { "for": id, text: number(item[key], 2) });
    range.addEventListener("input", function () {
      item[key] = Number(range.value);
      out.textContent = number(item[key], 2);
      changed();
    });
    return el("div", { "class": "field" }, [el("label", { "for": id, text: label }), range, out]);
  }

  // -- saving ------------------------------------------------------------------------------------------

  function target() {
    return document.querySelector('#save-form input[name="target"]:checked').value;
  }

  function saveTargetChanged() {
    var scenario = target() === "scenario";
    document.querySelectorAll("#save-form .scenario-only").forEach(function (node) { node.hidden = !scenario; });
    $("save-name").required = scenario;
    $("save-help").textContent = scenario ? T.save_help_scenario : T.save_help_base;
  }

  function save(event) {
    event.preventDefault();
    var message = $("save-message");
    var scenario = target() === "scenario" ? $("save-name").value : null;
    if (scenario !== null && !$("save-name").checkValidity()) { $("save-name").reportValidity(); return; }
    var description = $("save-description").value;
    message.textContent = T.updating;
    message.className = "";
    api("POST", "/api/model/save", {
      model: draft(), etag: S.etag, scenario: scenario,
      description: scenario !== null && description !== "" ? description : null
    }).then(function (answer) {
      S.etag = answer.etag;
      S.dirty = false;
      message.textContent = fill(T.saved, { what: scenario === null ? T.base_model : T.scenario + " " + scenario });
      message.className = "ok";
      if (scenario !== null && !S.scenarios.some(function (s) { return s.name === scenario; })) {
        S.scenarios.push({ name: scenario, description: description });
        fillScenarios($("start-scenario").value || null);
      }
    }).catch(function (error) {
      message.textContent = T.error + ": " + error.message;
      message.className = "error";
    });
  }

  // -- wiring ------------------------------------------------------------------------------------------

  $("add-criterion").addEventListener("click", addCriterion);
  $("add-exclusion").addEventListener("click", addExclusion);
  $("save-form").addEventListener("submit", save);
  document.querySelectorAll('#save-form input[name="target"]').forEach(function (radio) {
    radio.addEventListener("change", saveTargetChanged);
  });
  $("start-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (S.dirty && !window.confirm(T.unsaved)) { return; }
    load($("start-scenario").value || null);
  });
  load(null);
}());
