// Học vụ số: install to the home screen, the service worker, its update banner, and
// "download this course" for reading with no connection.
(function () {
  "use strict";
  var body = document.body;

  // Pages cached for one account are not shown to the next person on this phone.
  var who = body.getAttribute("data-user") || "";
  try {
    if (window.caches && localStorage.getItem("hvs-user") !== who) {
      if (localStorage.getItem("hvs-user") !== null) { caches.delete("hvs-pages"); }
      localStorage.setItem("hvs-user", who);
    }
  } catch (e) { /* storage switched off: nothing cached to protect */ }

  // The offline page speaks the language of the pages read here: the service worker
  // cannot read the language cookie, so the language is left where it can (sw.js).
  var lang = document.documentElement.lang;
  try {
    if (window.caches && lang && localStorage.getItem("hvs-lang") !== lang) {
      caches.open("hvs-prefs").then(function (cache) {
        return cache.put("/__hvs/lang", new Response(lang));
      }).then(function () { localStorage.setItem("hvs-lang", lang); }).catch(function () {});
    }
  } catch (e) { /* storage switched off: the offline page in the default language */ }

  if ("serviceWorker" in navigator) {
    var swUrl = body.getAttribute("data-sw");
    var banner = document.querySelector("[data-update]");
    var reloading = false;
    var offerUpdate = function (worker) {
      if (!banner || !navigator.serviceWorker.controller) { return; }
      banner.hidden = false;
      banner.querySelector("button").onclick = function () { worker.postMessage({ type: "SKIP_WAITING" }); };
    };
    // A lesson page opens offline once it is in the service worker's cache. The first page
    // of a visit is loaded before the worker runs, so put it (and its pictures) there.
    if (body.hasAttribute("data-keep-offline") && window.caches) {
      navigator.serviceWorker.ready.then(function () {
        var page = location.pathname;
        return caches.match(page, { ignoreVary: true }).then(function (hit) {
          if (hit) { return null; }
          var pictures = Array.prototype.map.call(document.querySelectorAll("img[src^='/lessons/']"),
            function (img) { return img.getAttribute("src"); });
          return Promise.all([
            caches.open("hvs-pages").then(function (cache) { return cache.add(page); }),
            caches.open("hvs-images").then(function (cache) { return cache.addAll(pictures); })
          ]);
        });
      }).then(function () { body.setAttribute("data-kept-offline", ""); }).catch(function () {});
    }
    navigator.serviceWorker.register(swUrl, { scope: "/" }).then(function (registration) {
      if (registration.waiting) { offerUpdate(registration.waiting); }
      registration.addEventListener("updatefound", function () {
        var worker = registration.installing;
        worker.addEventListener("statechange", function () {
          if (worker.state === "installed") { offerUpdate(worker); }
        });
      });
    }).catch(function () {});
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (banner && !banner.hidden && !reloading) { reloading = true; location.reload(); }
    });
  }

  // "Cài đặt ứng dụng": offered only where the browser offers installing.
  var install = document.querySelector("[data-install]");
  var deferred = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    deferred = event;
    if (install) { install.hidden = false; }
  });
  if (install) {
    install.querySelector("button").addEventListener("click", function () {
      if (!deferred) { return; }
      deferred.prompt();
      deferred.userChoice.then(function () { deferred = null; install.hidden = true; });
    });
  }
  window.addEventListener("appinstalled", function () { if (install) { install.hidden = true; } });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-reload]")) { event.preventDefault(); location.reload(); }
  });

  // Download a course: every page and picture it needs, into the caches the service
  // worker reads from, then say how much space it takes.
  var box = document.querySelector("[data-offline]");
  if (!box || !window.caches) { return; }
  var plan = JSON.parse(box.getAttribute("data-offline"));
  var status = box.querySelector("[data-offline-status]");
  var button = box.querySelector("button");
  var number = new Intl.NumberFormat(document.documentElement.lang);
  box.hidden = false;

  function say(template, values) {
    status.textContent = template.replace(/\{(\w+)\}/g, function (_m, key) { return values[key]; });
  }

  function sizeOf(cacheName, urls) {
    return caches.open(cacheName).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return cache.match(url, { ignoreVary: true }).then(function (r) { return r ? r.blob().then(function (b) { return b.size; }) : -1; });
      }));
    });
  }

  function measure() {
    return Promise.all([sizeOf("hvs-pages", plan.pages), sizeOf("hvs-images", plan.images)]).then(function (sizes) {
      var all = sizes[0].concat(sizes[1]);
      var missing = all.filter(function (s) { return s < 0; }).length;
      var bytes = all.reduce(function (sum, s) { return sum + Math.max(s, 0); }, 0);
      return { missing: missing, kb: number.format(Math.max(1, Math.round(bytes / 1024))) };
    });
  }

  function showState() {
    return measure().then(function (state) {
      if (state.missing === 0) { say(box.dataset.msgDone, state); }
    });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    var total = plan.pages.length + plan.images.length, done = 0;
    say(box.dataset.msgWorking, { done: 0, total: total });
    var fetchInto = function (cacheName, urls) {
      return caches.open(cacheName).then(function (cache) {
        return urls.reduce(function (previous, url) {
          return previous.then(function () {
            return fetch(url, { credentials: "same-origin" }).then(function (response) {
              if (!response.ok) { throw new Error(url + " " + response.status); }
              done++;
              say(box.dataset.msgWorking, { done: done, total: total });
              return cache.put(url, response);
            });
          });
        }, Promise.resolve());
      });
    };
    fetchInto("hvs-pages", plan.pages)
      .then(function () { return fetchInto("hvs-images", plan.images); })
      .then(showState)
      .catch(function () { say(box.dataset.msgFailed, {}); })
      .then(function () { button.disabled = false; });
  });
  showState();
})();
