// Học vụ số: the outbox on the phone (IndexedDB), shared by the pages (queue.js) and the
// service worker (Background Sync). Events wait here, each with its UUID, until the server
// has answered for them; the server records each UUID once, so sending twice is harmless.
(function (global) {
  "use strict";
  var DB_NAME = "hocvuso", STORE = "outbox", VERSION = 1, BATCH = 100;
  var memory = [];  // only where IndexedDB is unavailable (some private modes)
  var dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!global.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var request = global.indexedDB.open(DB_NAME, VERSION);
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
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function all() {
    return withStore("readonly", function (store) { return store.getAll(); })
      .catch(function () { return memory.slice(); });
  }

  function put(event) {
    return withStore("readwrite", function (store) { store.put(event); return null; })
      .catch(function () { memory.push(event); });
  }

  function remove(ids) {
    memory = memory.filter(function (e) { return ids.indexOf(e.id) < 0; });
    return withStore("readwrite", function (store) {
      ids.forEach(function (id) { store.delete(id); });
      return null;
    }).catch(function () {});
  }

  // Send up to one batch: the events recorded by account `who` ("" for a visitor), or all
  // of them when `who` is null. Each event says whose it is; the server defers events of
  // another account than the one signed in. Resolves to {sent, settled, more, answer};
  // rejects when the server cannot be reached.
  function send(syncUrl, who) {
    return all().then(function (events) {
      var batch = events.filter(function (e) { return who === null || (e.who || "") === who; })
        .slice(0, BATCH);
      if (!batch.length) { return { sent: 0, settled: 0, more: false, answer: null }; }
      var payload = batch.map(function (e) { return Object.assign({ who: "" }, e); });
      return fetch(syncUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ events: payload })
      }).then(function (response) {
        if (!response.ok) { throw new Error("sync answered " + response.status); }
        return response.json();
      }).then(function (answer) {
        var settled = (answer.results || []).filter(function (r) {
          return r.id && ["recorded", "duplicate", "already", "rejected"].indexOf(r.status) >= 0;
        }).map(function (r) { return r.id; });
        return remove(settled).then(function () {
          return { sent: batch.length, settled: settled.length, answer: answer,
                   more: settled.length === BATCH };
        });
      });
    });
  }

  global.HVSOutbox = { all: all, put: put, remove: remove, send: send };
})(self);
