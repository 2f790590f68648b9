/* The layers page: preview map, upload by drag and drop or file picker, a layer fetched from a
 * web service (WFS or OGC API Features), replace and remove.
 * Text from data (layer names, attributes, file names) is only ever set as text, never as HTML.
 * Changes send the page's CSRF token (meta csrf-token) as the X-CSRF-Token header. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("layers-config").textContent);
  const T = config.texts;
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const NAME = /^[a-z][a-z0-9_]{0,62}$/;

  /* "{name} loaded" with its fields filled in. */
  function say(key, fields) {
    return (T[key] || "").replace(/\{(\w+)\}/g, (whole, field) =>
      fields && field in fields ? String(fields[field]) : whole);
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function layerUrl(name, rest) {
    return "/api/layers/" + encodeURIComponent(name) + (rest || "");
  }

  function pageUrl(params) {
    const query = new URLSearchParams(params);
    if (config.lang !== "nl") query.set("lang", config.lang);
    return "/layers?" + query.toString();
  }

  /* ---- why something failed, in the page's language ---------------------------------- */

  function problemOf(status, body) {
    if (body && body.problem) return body.problem;
    if (status === 401 || status === 403) return "not_allowed";
    if (status === 404) return "not_found";
    if (status === 409) return "busy";
    if (status === 413) return "too_large";
    if (status === 422) return "invalid";
    if (status === 429) return "too_many";
    if (status === 503) return "uploads_full";
    return "other";
  }

  function showProblem(target, problem, detail, fields) {
    target.replaceChildren();
    const box = element("div", undefined, "error");
    box.appendChild(element("p", say("problem_" + problem, fields) || say("problem_other")));
    if (detail) {
      const more = element("details");
      more.appendChild(element("summary", T.technical));
      more.appendChild(element("p", detail));
      box.appendChild(more);
    }
    target.appendChild(box);
  }

  function showDone(target, text) {
    target.replaceChildren(element("p", text, "status-ok"));
  }

  async function failure(response) {
    let body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    return { problem: problemOf(response.status, body), detail: body && body.detail };
  }

  /* ---- the preview map ----------------------------------------------------------------- */

  const mapNode = document.getElementById("preview-map");
  const caption = document.getElementById("preview-caption");
  let map = null;
  let shown = null;
  let context = null;

  function ensureMap() {
    if (map || !mapNode || typeof L === "undefined") return map;
    map = L.map(mapNode, { zoomSnap: 0.25, attributionControl: false });
    map.setView([50.9, 3.3], 9);
    return map;
  }

  function popupOf(properties) {
    const table = element("table");
    Object.keys(properties || {}).forEach((key) => {
      const row = element("tr");
      row.appendChild(element("th", key));
      const value = properties[key];
      row.appendChild(element("td", value === null ? "–" : String(value)));
      table.appendChild(row);
    });
    return table;
  }

  function geojsonLayer(data, style, interactive) {
    return L.geoJSON(data, {
      interactive: interactive,
      style: () => style,
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, Object.assign({ radius: 6 }, style)),
      onEachFeature: interactive
        ? (feature, layer) => {
          if (Object.keys(feature.properties || {}).length) layer.bindPopup(() => popupOf(feature.properties));
        }
        : undefined,
    });
  }

  async function fetchPreview(name) {
    const response = await fetch(layerUrl(name, "/preview"), { credentials: "same-origin" });
    if (!response.ok) throw await failure(response);
    return response.json();
  }

  async function showContext() {
    if (!config.context || context || !ensureMap()) return;
    try {
      const data = await fetchPreview(config.context);
      context = geojsonLayer(data, { color: "#7a8591", weight: 1, fill: false }, false).addTo(map);
      context.bringToBack();
    } catch (error) {
      context = null;
    }
  }

  async function preview(name) {
    if (!ensureMap()) return;
    caption.textContent = "";
    await showContext();
    try {
      const data = await fetchPreview(name);
      if (shown) map.removeLayer(shown);
      shown = geojsonLayer(data, { color: "#c2410c", weight: 2, fillOpacity: 0.25 }, true).addTo(map);
      const bounds = shown.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
      const counted = data.tolerance_m > 0 ? "map_shown" : "map_shown_exact";
      caption.textContent = data.kind === "raster"
        ? say("map_raster", { name: name })
        : say(counted, {
          name: name,
          shown: data.shown.toLocaleString(config.lang === "nl" ? "nl-BE" : "en-GB"),
          total: data.total.toLocaleString(config.lang === "nl" ? "nl-BE" : "en-GB"),
          tolerance: data.tolerance_m.toLocaleString(config.lang === "nl" ? "nl-BE" : "en-GB"),
        });
      mapNode.setAttribute("aria-label", say("map_label", { name: name }));
    } catch (error) {
      caption.textContent = say("map_failed");
    }
  }

  /* ---- the list: preview, replace, remove ----------------------------------------------- */

  const listStatus = document.getElementById("list-status");
  const form = document.getElementById("upload-form");
  const fileInput = document.getElementById("upload-file");
  const nameInput = document.getElementById("upload-name");
  const replaceBox = document.getElementById("upload-replace");
  const uploadStatus = document.getElementById("upload-status");
  const chosen = document.getElementById("file-chosen");

  function startReplace(name) {
    if (!form) return;
    nameInput.value = name;
    replaceBox.checked = true;
    form.scrollIntoView({ block: "start" });
    showDone(uploadStatus, say("replacing", { name: name }));
    fileInput.focus();
  }

  function askRemove(row, button) {
    const name = row.dataset.name;
    const box = element("span", undefined, "confirm");
    const yes = element("button", say("remove_confirm", { name: name }), "danger");
    const no = element("button", T.cancel);
    yes.type = "button";
    no.type = "button";
    no.addEventListener("click", () => { box.remove(); button.hidden = false; button.focus(); });
    yes.addEventListener("click", () => remove(row, yes));
    box.append(yes, no);
    button.hidden = true;
    button.after(box);
    yes.focus();
  }

  async function remove(row, button) {
    const name = row.dataset.name;
    button.disabled = true;
    try {
      const response = await fetch(layerUrl(name), {
        method: "DELETE",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Accept": "application/json" },
      });
      if (!response.ok) throw await failure(response);
      row.remove();
      if (shown && config.shownName === name) { map.removeLayer(shown); shown = null; caption.textContent = ""; }
      showDone(listStatus, say("removed", { name: name }));
    } catch (error) {
      button.disabled = false;
      showProblem(listStatus, error.problem || "offline", error.detail, { uses: row.dataset.uses });
    }
  }

  document.querySelectorAll("table.layers tbody tr").forEach((row) => {
    row.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button || button.disabled) return;
      const action = button.dataset.action;
      if (action === "preview") {
        config.shownName = row.dataset.name;
        mapNode.scrollIntoView({ block: "nearest" });
        preview(row.dataset.name);
      }
      if (action === "replace") startReplace(row.dataset.name);
      if (action === "remove") askRemove(row, button);
    });
  });

  /* ---- upload: drag and drop or the file picker ------------------------------------------ */

  function nameFromFile(fileName) {
    const base = fileName.replace(/\.[^.]*$/, "").toLowerCase().replace(/[^a-z0-9_]+/g, "_");
    const name = base.replace(/^[^a-z]+/, "").replace(/_+$/, "").slice(0, 63);
    return NAME.test(name) ? name : "";
  }

  function fileChosen() {
    const file = fileInput.files && fileInput.files[0];
    chosen.textContent = file ? say("chosen", { file: file.name }) : T.no_file;
    if (file && !nameInput.value) nameInput.value = nameFromFile(file.name);
  }

  async function upload(event) {
    event.preventDefault();
    const file = fileInput.files && fileInput.files[0];
    if (!file) { showProblem(uploadStatus, "invalid"); fileInput.focus(); return; }
    if (!NAME.test(nameInput.value)) { showProblem(uploadStatus, "name"); nameInput.focus(); return; }
    const data = new FormData(form);
    for (const key of ["source_layer", "assume_crs"]) {
      if (!String(data.get(key) || "").trim()) data.delete(key);
    }
    const submit = document.getElementById("upload-submit");
    submit.disabled = true;
    form.setAttribute("aria-busy", "true");
    showDone(uploadStatus, say("loading", { file: file.name }));
    try {
      const response = await fetch("/api/layers", {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Accept": "application/json" },
      });
      if (!response.ok) throw await failure(response);
      const layer = await response.json();
      window.location.assign(pageUrl({ loaded: layer.name }) + "#loaded-report");
    } catch (error) {
      showProblem(uploadStatus, error.problem || "offline", error.detail);
    } finally {
      submit.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  if (form) {
    const zone = document.getElementById("drop-zone");
    ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("over");
    }));
    ["dragleave", "dragend"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("over")));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      fileInput.files = event.dataTransfer.files;
      fileChosen();
    });
    fileInput.addEventListener("change", fileChosen);
    form.addEventListener("submit", upload);
  }

  /* ---- a layer from a web service: POST /api/layers/from-service as JSON ------------------ */

  const serviceForm = document.getElementById("service-form");
  const serviceStatus = document.getElementById("service-status");

  function nameFromLayer(layer) {
    const base = layer.split(":").pop().toLowerCase().replace(/[^a-z0-9_]+/g, "_");
    const name = base.replace(/^[^a-z]+/, "").replace(/_+$/, "").slice(0, 63);
    return NAME.test(name) ? name : "";
  }

  async function fetchService(event) {
    event.preventDefault();
    const field = (id) => document.getElementById(id);
    const url = field("service-url").value.trim();
    const layer = field("service-layer").value.trim();
    const name = field("service-name").value;
    const pageSize = field("service-page-size").value.trim();
    if (!url) { showProblem(serviceStatus, "invalid"); field("service-url").focus(); return; }
    if (!layer) { showProblem(serviceStatus, "invalid"); field("service-layer").focus(); return; }
    if (!NAME.test(name)) { showProblem(serviceStatus, "name"); field("service-name").focus(); return; }
    const body = {
      name: name,
      service: field("service-kind").value,
      url: url,
      layer: layer,
      replace: field("service-replace").checked,
    };
    if (pageSize) {
      const size = Number(pageSize);
      if (!/^[0-9]+$/.test(pageSize) || size < 1 || size > 10000) {
        showProblem(serviceStatus, "invalid");
        field("service-page-size").closest("details").open = true;
        field("service-page-size").focus();
        return;
      }
      body.page_size = size;
    }
    const submit = field("service-submit");
    submit.disabled = true;
    serviceForm.setAttribute("aria-busy", "true");
    showDone(serviceStatus, say("fetching", { layer: layer }));
    try {
      const response = await fetch("/api/layers/from-service", {
        method: "POST",
        body: JSON.stringify(body),
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json", "Accept": "application/json" },
      });
      if (!response.ok) throw await failure(response);
      const loaded = await response.json();
      window.location.assign(pageUrl({ loaded: loaded.name }) + "#loaded-report");
    } catch (error) {
      showProblem(serviceStatus, error.problem || "offline", error.detail);
    } finally {
      submit.disabled = false;
      serviceForm.removeAttribute("aria-busy");
    }
  }

  if (serviceForm) {
    const layerInput = document.getElementById("service-layer");
    const serviceName = document.getElementById("service-name");
    layerInput.addEventListener("change", () => {
      if (!serviceName.value) serviceName.value = nameFromLayer(layerInput.value.trim());
    });
    serviceForm.addEventListener("submit", fetchService);
  }

  /* ---- at start ---------------------------------------------------------------------------- */

  const report = document.getElementById("loaded-report");
  if (report) report.focus();
  if (config.initial) { config.shownName = config.initial; preview(config.initial); }
})();
