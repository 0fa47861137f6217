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
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
