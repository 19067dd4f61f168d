// The checklist's notes: kept in this browser only (localStorage, one entry per checklist URL),
// never sent to the server; copied into print-only blocks because textareas print badly.
(function () {
  "use strict";
  var root = document.querySelector("[data-store-key]");
  if (!root) { return; }
  var storageKey = "practice-line:notes:" + root.getAttribute("data-store-key");
  var fields = Array.prototype.slice.call(root.querySelectorAll("textarea[data-note]"));

  function load() {
    try { return JSON.parse(window.localStorage.getItem(storageKey) || "{}") || {}; }
    catch (e) { return {}; }  // storage off, or a corrupt entry: start with empty notes
  }

  function save() {
    var values = {};
    fields.forEach(function (field) { if (field.value) { values[field.getAttribute("data-note")] = field.value; } });
    try {
      if (Object.keys(values).length) { window.localStorage.setItem(storageKey, JSON.stringify(values)); }
      else { window.localStorage.removeItem(storageKey); }
    } catch (e) { /* private mode or full: the notes still print */ }
  }

  function mirror(field) {
    var copy = root.querySelector('[data-copy-of="' + field.getAttribute("data-note") + '"]');
    if (copy) { copy.textContent = field.value; }
  }

  var saved = load();
  fields.forEach(function (field) {
    var value = saved[field.getAttribute("data-note")];
    if (typeof value === "string") { field.value = value; }
    mirror(field);
    field.addEventListener("input", function () { mirror(field); save(); });
  });

  document.querySelectorAll('[data-action="print"]').forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll('[data-action="clear-notes"]').forEach(function (button) {
    button.addEventListener("click", function () {
      fields.forEach(function (field) { field.value = ""; mirror(field); });
      save();
    });
  });
})();
