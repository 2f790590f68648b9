/* The equalisation page: as a slider or the key changes, the results are computed again by the
 * server (debounced) and swapped in; the address keeps the settings, so it can be shared.
 * Without this script the controls are a plain form that reloads the page. */
(function () {
  "use strict";

  const form = document.getElementById("whatif");
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  if (!form || !results) return;

  const lang = document.documentElement.lang === "en" ? "en" : "nl";
  const numbers = new Intl.NumberFormat(lang === "nl" ? "nl-BE" : "en-GB", { maximumFractionDigits: 2 });
  const euros = new Intl.NumberFormat(lang === "nl" ? "nl-BE" : "en-GB", { maximumFractionDigits: 0 });
  const perHaYear = lang === "nl" ? "per ha per jaar" : "per ha per year";
  const WAIT_MS = 250;
  let timer = null;
  let running = null;

  /* A slider's value as the page prints it: "3,25 %", "€ 500 per ha per jaar". */
  function printed(input) {
    const value = Number(input.value);
    if (input.dataset.unit === "percent") return numbers.format(100 * value) + "\u00a0%";
    return "€\u00a0" + euros.format(value) + " " + perHaYear;
  }

  function showValue(input) {
    if (input.type !== "range") return;
    const output = document.getElementById(input.id + "-out");
    const text = printed(input);
    if (output) output.textContent = text;
    input.setAttribute("aria-valuetext", text);
  }

  /* The settings that differ from the study's own (the rest is left to the study). */
  function query() {
    const params = new URLSearchParams();
    if (lang !== "nl") params.set("lang", lang);
    form.querySelectorAll("input[type=range], select").forEach((field) => {
      const same = field.type === "range"
        ? Number(field.value) === Number(field.dataset.study)
        : field.value === field.dataset.study;
      if (!same) params.set(field.name, field.value);
    });
    return params;
  }

  async function recompute() {
    if (running) running.abort();
    const mine = new AbortController();
    running = mine;
    const params = query();
    results.setAttribute("aria-busy", "true");
    status.textContent = form.dataset.updating;
    try {
      const response = await fetch("/equalisation/results?" + params.toString(), {
        credentials: "same-origin",
        signal: mine.signal,
        headers: { "Accept": "text/html" },
      });
      if (response.redirected) { window.location.reload(); return; } /* signed out: to sign in */
      if (!response.ok) throw new Error("status " + response.status);
      results.innerHTML = await response.text(); /* the server's own page part, every value escaped */
      const address = "/equalisation" + (params.toString() ? "?" + params.toString() : "");
      window.history.replaceState(null, "", address);
      status.textContent = "";
    } catch (error) {
      if (error.name === "AbortError") return;
      status.textContent = form.dataset.offline;
    } finally {
      if (running === mine) results.removeAttribute("aria-busy");
    }
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(recompute, WAIT_MS);
  }

  form.addEventListener("input", (event) => { showValue(event.target); later(); });
  form.addEventListener("change", (event) => { showValue(event.target); later(); });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.clearTimeout(timer);
    recompute();
  });
})();
