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
  // Share a badge: the phone's own share sheet (Zalo…), else copy the link.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-share]");
    if (!button) { return; }
    var url = button.getAttribute("data-url");
    if (navigator.share) {
      navigator.share({ title: button.getAttribute("data-title"), url: url }).catch(function () {});
    } else if (navigator.clipboard) {
      navigator.clipboard.writeText(url).then(function () {
        button.textContent = button.getAttribute("data-copied");
      });
    }
  });
  // Print buttons (handouts, certificates, attendance sheets).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
})();
