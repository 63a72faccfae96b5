// agendasync pages: the one script of our own (same origin only; the CSP allows nothing else).
// Menus and confirmations are <details> elements and work without it; this adds what HTML cannot:
// Escape closes the open one (focus returns to its button), a click elsewhere closes it.
(function () {
  "use strict";
  function openOnes() {
    return Array.prototype.slice.call(document.querySelectorAll("details[open]"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = openOnes();
    if (!open.length) return;
    var innermost = open[open.length - 1];
    innermost.open = false;
    var summary = innermost.querySelector("summary");
    if (summary) summary.focus();
  });
  document.addEventListener("click", function (event) {
    openOnes().forEach(function (details) {
      if (!details.contains(event.target)) details.open = false;
    });
  });
})();
