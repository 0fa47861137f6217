// SafeServe page behaviour. Loaded on every page; no inline scripts (CSP: script-src 'self').
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });
  function enhance(root) {
    if (window.TomSelect) {
      root.querySelectorAll("select[data-searchable]").forEach(function (el) {
        if (!el.tomselect) { new window.TomSelect(el, { maxOptions: 500 }); }
      });
    }
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      if (el.dataset.confirmBound) { return; }
      el.dataset.confirmBound = "1";
      el.addEventListener("submit", function (event) {
        if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    root.querySelectorAll("[data-copy]").forEach(function (el) {
      el.addEventListener("click", function () {
        var target = document.getElementById(el.getAttribute("data-copy"));
        if (target && navigator.clipboard) { navigator.clipboard.writeText(target.textContent.trim()); }
      });
    });
  }
  // Check-in: add the phone's location when it gives one within a few seconds; check in
  // without it otherwise (the time is always recorded by the server).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-geolocate") || form.dataset.located) { return; }
    if (!navigator.geolocation) { return; }
    event.preventDefault();
    var done = function () { form.dataset.located = "1"; form.submit(); };
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
      form.querySelector("[name=accuracy]").value = Math.round(pos.coords.accuracy);
      done();
    }, done, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  });
  // A formset grows as needed: [data-add-row="prefix"] copies the <template> of an empty
  // row (id "prefix-empty") into the rows (id "prefix-rows") and counts it in TOTAL_FORMS.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-add-row]") : null;
    if (!button) { return; }
    var prefix = button.getAttribute("data-add-row");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var empty = document.getElementById(prefix + "-empty");
    var rows = document.getElementById(prefix + "-rows");
    if (!total || !empty || !rows) { return; }
    var index = parseInt(total.value, 10);
    rows.insertAdjacentHTML("beforeend", empty.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    enhance(rows);
  });
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
