// Học vụ số: the offline queue. Every write a page makes while learning (and, later,
// checking people in) is stored on the phone (IndexedDB) with a UUID first, then sent
// in batches to /api/v1/sync. The server records each UUID once, so sending twice is
// harmless; an event leaves the phone only after the server has answered for it.
(function () {
  "use strict";
  var DB_NAME = "hocvuso", STORE = "outbox", VERSION = 1, BATCH = 100;
  var body = document.body;
  var syncUrl = body.getAttribute("data-sync-url");
  var who = body.getAttribute("data-user") || "";
  var memory = [];  // used only where IndexedDB is unavailable
  var dbPromise = null;

  function uuid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var request = indexedDB.open(DB_NAME, VERSION);
        request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function all() {
    return withStore("readonly", function (store) { return store.getAll(); })
      .catch(function () { return memory.slice(); });
  }

  function mine(events) {
    return events.filter(function (e) { return (e.who || "") === who; });
  }

  var pendingMine = 0;

  function notify() {
    return all().then(function (events) {
      var count = events.length;
      pendingMine = mine(events).length;
      document.querySelectorAll("[data-pending]").forEach(function (el) {
        el.hidden = count === 0;
        var number = el.querySelector("[data-pending-count]");
        if (number) { number.textContent = String(count); }
      });
      document.dispatchEvent(new CustomEvent("hvs:pending", { detail: { count: count } }));
      return count;
    });
  }

  function add(event) {
    event.id = event.id || uuid();
    event.at = event.at || new Date().toISOString();
    event.who = who;
    return withStore("readwrite", function (store) { store.put(event); })
      .catch(function () { memory.push(event); })
      .then(notify)
      .then(function () { flush(); return event.id; });
  }

  function remove(ids) {
    memory = memory.filter(function (e) { return ids.indexOf(e.id) < 0; });
    return withStore("readwrite", function (store) {
      ids.forEach(function (id) { store.delete(id); });
    }).catch(function () {});
  }

  var flushing = null;
  function flush() {
    if (flushing || !syncUrl) { return flushing || Promise.resolve(); }
    flushing = all().then(function (events) {
      var batch = mine(events).slice(0, BATCH);
      if (!batch.length || navigator.onLine === false) { return null; }
      var payload = batch.map(function (e) {
        var copy = Object.assign({}, e);
        delete copy.who;
        return copy;
      });
      return fetch(syncUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ events: payload })
      }).then(function (response) {
        if (!response.ok) { throw new Error("sync " + response.status); }
        return response.json();
      }).then(function (answer) {
        var done = (answer.results || []).filter(function (r) {
          return r.id && ["recorded", "duplicate", "rejected"].indexOf(r.status) >= 0;
        }).map(function (r) { return r.id; });
        return remove(done).then(function () {
          document.dispatchEvent(new CustomEvent("hvs:synced", { detail: answer }));
          return done.length === batch.length && batch.length === BATCH ? "more" : null;
        });
      });
    }).catch(function () { return null; }).then(function (more) {
      flushing = null;
      notify();
      if (more) { flush(); }
    });
    return flushing;
  }

  window.HVS = window.HVS || {};
  window.HVS.queue = { add: add, flush: flush, count: notify, uuid: uuid };
  // Leaving the page while this account's events wait: send them first (up to 2 s), so
  // that the next page, rendered by the server, already shows them.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || pendingMine === 0 || navigator.onLine === false || event.defaultPrevented) { return; }
    if (link.target || link.origin !== location.origin || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    if (link.hasAttribute("data-go") || link.getAttribute("href").charAt(0) === "#") { return; }
    event.preventDefault();
    var go = function () { location.href = link.href; };
    Promise.race([flush(), new Promise(function (resolve) { setTimeout(resolve, 2000); })]).then(go, go);
  });
  window.addEventListener("online", flush);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { flush(); } });
  notify();
  flush();
})();
