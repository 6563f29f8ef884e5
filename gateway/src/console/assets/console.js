// Homeward web console: small helpers. Every page works without this script; it only
// makes a few things quicker (live cron preview, select all, print).
"use strict";

(function () {
  // Live preview of a job's next runs while its schedule or time zone is edited.
  function cronPreview() {
    var schedule = document.getElementById("schedule");
    var zone = document.getElementById("time_zone");
    var out = document.getElementById("next-runs");
    var msg = document.getElementById("schedule-preview-error");
    if (!schedule || !out || !msg) return;
    var timer = null;
    function update() {
      var q = "schedule=" + encodeURIComponent(schedule.value) +
        "&time_zone=" + encodeURIComponent(zone ? zone.value : "");
      fetch("/console/jobs/preview?" + q, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          while (out.firstChild) out.removeChild(out.firstChild);
          msg.textContent = "";
          if (p.ok) {
            if (p.on_change) {
              var li0 = document.createElement("li");
              li0.textContent = "Runs when the store changes.";
              out.appendChild(li0);
            }
            (p.next || []).forEach(function (t) {
              var li = document.createElement("li");
              li.textContent = t;
              out.appendChild(li);
            });
            schedule.removeAttribute("aria-invalid");
          } else {
            msg.textContent = p.message + (p.fix ? " — " + p.fix : "");
            schedule.setAttribute("aria-invalid", "true");
          }
        })
        .catch(function () { /* the preview is a convenience; saving checks again */ });
    }
    function later() { clearTimeout(timer); timer = setTimeout(update, 300); }
    schedule.addEventListener("input", later);
    if (zone) zone.addEventListener("input", later);
  }

  // "Select all" checkboxes: <input type=checkbox data-select-all="name">.
  function selectAll() {
    document.querySelectorAll("input[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        var name = box.getAttribute("data-select-all");
        document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (b) {
          b.checked = box.checked;
        });
      });
    });
  }

  // Print buttons: <button data-print>.
  function printButtons() {
    document.querySelectorAll("button[data-print]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    cronPreview();
    selectAll();
    printButtons();
  });
})();
