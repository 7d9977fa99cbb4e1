// Học vụ số: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";
  // Move focus to the main heading after an htmx page swap, for screen readers.
  document.addEventListener("htmx:afterSettle", function (event) {
    var heading = event.detail.target && event.detail.target.querySelector("h1");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  });
  // Forms that submit themselves (the last step of a self check-in): one tap less.
  var auto = document.querySelector("form[data-autosubmit]");
  if (auto) {
    var note = auto.querySelector("[data-autosubmit-note]");
    if (note) { note.hidden = false; }
    auto.submit();
  }
  // Print buttons (handouts, certificates, attendance sheets).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
})();
