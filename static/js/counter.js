// Counts the characters of a text field as it is typed, so a citizen sees the limit before sending.
// The field carries data-max-chars and the texts to show; the server refuses a text over the limit either way.
(function () {
  "use strict";
  function show(field) {
    var out = document.getElementById(field.id + "-count");
    if (!out) { return; }
    var max = parseInt(field.getAttribute("data-max-chars"), 10);
    var left = max - field.value.length;
    var text = left >= 0 ? field.getAttribute("data-left") : field.getAttribute("data-over");
    out.textContent = text.replace("%s", String(Math.abs(left)));
    out.classList.toggle("kcc-counter--over", left < 0);
  }
  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-max-chars")) { show(event.target); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-max-chars]").forEach(show);
  });
}());
