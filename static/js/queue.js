// Học vụ số: the page side of the offline queue. `HVS.queue.add(event)` stores an event
// in the outbox (outbox.js) and sends it at once when there is a connection; otherwise
// it waits for the connection (the `online` event, the next page, or Background Sync in
// the service worker). Pages show how many events wait ([data-pending]).
(function () {
  "use strict";
  var outbox = window.HVSOutbox;
  var body = document.body;
  var syncUrl = body.getAttribute("data-sync-url");
  var who = body.getAttribute("data-user") || "";
  var pendingMine = 0;

  function uuid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function notify() {
    return outbox.all().then(function (events) {
      var count = events.length;
      pendingMine = events.filter(function (e) { return (e.who || "") === who; }).length;
      document.querySelectorAll("[data-pending]").forEach(function (el) {
        el.hidden = count === 0;
        var number = el.querySelector("[data-pending-count]");
        if (number) { number.textContent = String(count); }
      });
      document.dispatchEvent(new CustomEvent("hvs:pending", { detail: { count: count, mine: pendingMine } }));
      return count;
    });
  }

  function askForBackgroundSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) { return registration.sync.register("hvs-outbox"); }
      return null;
    }).catch(function () {});
  }

  var flushing = null;
  function flush() {
    if (flushing) { return flushing; }
    if (navigator.onLine === false) { askForBackgroundSync(); return Promise.resolve(); }
    flushing = outbox.send(syncUrl, who).then(function (result) {
      if (result.answer) { document.dispatchEvent(new CustomEvent("hvs:synced", { detail: result.answer })); }
      return result.more;
    }, function () {
      askForBackgroundSync();
      return false;
    }).then(function (more) {
      flushing = null;
      return notify().then(function () { return more ? flush() : null; });
    });
    return flushing;
  }

  function add(event) {
    event.id = event.id || uuid();
    event.at = event.at || new Date().toISOString();
    event.who = who;
    return outbox.put(event).then(notify).then(function () { flush(); return event.id; });
  }

  // Leaving the page while this account's events wait: send them first (up to 2 s), so
  // that the next page, drawn by the server, already shows them.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || pendingMine === 0 || navigator.onLine === false || event.defaultPrevented) { return; }
    if (link.target || link.origin !== location.origin || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    if (link.hasAttribute("data-go") || link.getAttribute("href").charAt(0) === "#") { return; }
    event.preventDefault();
    var go = function () { location.href = link.href; };
    Promise.race([flush(), new Promise(function (resolve) { setTimeout(resolve, 2000); })]).then(go, go);
  });

  window.HVS = window.HVS || {};
  window.HVS.queue = { add: add, flush: flush, count: notify, uuid: uuid };
  window.addEventListener("online", flush);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { flush(); } });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox-changed") { notify(); }
    });
  }
  notify();
  flush();
})();
