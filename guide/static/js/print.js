// The letter's print button: shown only when JavaScript runs (without it, the page says how to print).
(function () {
  "use strict";
  if (typeof window.print !== "function") { return; }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    if (button.dataset.ready) { return; }  // set up once, however often this file runs
    button.dataset.ready = "1";
    button.addEventListener("click", function () { window.print(); });
  });
}());
