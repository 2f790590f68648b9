/* The runs page: start a run (POST /api/runs), follow its stages (server-sent events of
 * GET /api/runs/JOB/events), cancel it (DELETE /api/runs/JOB). Requests that change something
 * carry the page's CSRF token as X-CSRF-Token. Every text is set with textContent. */
(function () {
  "use strict";

  var text = JSON.parse(document.getElementById("runs-text").textContent);
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var form = document.getElementById("run-form");
  var message = document.getElementById("run-message");
  var section = document.getElementById("run-progress-section");
  var statusLine = document.getElementById("run-status");
  var bar = document.getElementById("run-progress");
  var cancelButton = document.getElementById("run-cancel");
  var job = section.getAttribute("data-job") || "";
  var source = null;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function say(words) {
    message.textContent = words;
  }

  function send(method, url, body) {
    var headers = { "X-CSRF-Token": csrf, "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  function refused(response) {
    return response.json().then(
      function (data) { return data && data.detail ? String(data.detail) : response.statusText; },
      function () { return response.statusText; }
    ).then(function (detail) {
      say(fill(text.js_refused, { status: response.status, detail: detail }));
    });
  }

  function showStages(status) {
    var begun = status.stages || [];
    document.querySelectorAll("#run-stages li").forEach(function (item) {
      var name = item.getAttribute("data-stage");
      var index = begun.indexOf(name);
      var current = name === status.stage && (status.status === "running" || status.status === "queued");
      item.className = index < 0 ? "" : current ? "current" : "done";
      if (current) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    });
  }

  function show(status) {
    section.hidden = false;
    bar.value = status.progress || 0;
    var stage = status.stage ? text.stages[status.stage] || status.stage : text.statuses[status.status];
    statusLine.textContent = fill(text.js_percent, {
      stage: stage, percent: Math.round(100 * (status.progress || 0)),
    });
    showStages(status);
    if (cancelButton) cancelButton.disabled = status.status !== "running" && status.status !== "queued";
  }

  function ended(status) {
    show(status);
    if (source) { source.close(); source = null; }
    if (status.status === "done") {
      say(text.js_done);
      window.setTimeout(function () { window.location.reload(); }, 1200);
    } else if (status.status === "cancelled") {
      say(text.js_cancelled);
    } else {
      say(fill(text.js_failed, { error: status.error || "" }));
    }
  }

  function follow(id) {
    job = id;
    section.setAttribute("data-job", id);
    if (source) source.close();
    source = new EventSource("/api/runs/" + encodeURIComponent(id) + "/events");
    source.addEventListener("status", function (event) { show(JSON.parse(event.data)); });
    source.addEventListener("end", function (event) { ended(JSON.parse(event.data)); });
    source.onerror = function () {
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        say(text.js_lost);
      }
    };
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var scenario = document.getElementById("run-scenario").value;
      var body = {
        scenario: scenario || null,
        equalise: document.getElementById("run-equalise").checked,
        lang: form.getAttribute("data-lang") || "nl",
      };
      send("POST", "/api/runs", body).then(function (response) {
        if (response.status !== 202) return refused(response);
        return response.json().then(function (status) {
          say(text.js_started);
          show(status);
          follow(status.id);
        });
      }, function () { say(text.js_lost); });
    });
  }

  if (cancelButton) {
    cancelButton.addEventListener("click", function () {
      if (!job) return;
      send("DELETE", "/api/runs/" + encodeURIComponent(job)).then(function (response) {
        if (response.status !== 202) return refused(response);
        say(text.js_cancelling);
      }, function () { say(text.js_lost); });
    });
  }

  if (job) follow(job);
})();
