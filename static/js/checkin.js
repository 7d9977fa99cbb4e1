// Học vụ số: the trainer at the door. Card scanning (camera) and check-in by name both go
// through the offline queue: each check-in is kept on the phone with its UUID and the time
// it happened, sent at once when there is a connection, and recorded once by the server.
(function () {
  "use strict";
  var queue = window.HVS && window.HVS.queue;
  if (!queue) { return; }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return values[key] || ""; });
  }

  function beep(ok) {
    try {
      var audio = new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator();
      tone.frequency.value = ok ? 880 : 330;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch (e) { /* no sound: the screen says it */ }
    if (navigator.vibrate) { navigator.vibrate(ok ? 80 : [80, 60, 80]); }
  }

  // Results of sent events, by event id: the page that queued them shows the outcome.
  var waiting = {};
  document.addEventListener("hvs:synced", function (event) {
    (event.detail.results || []).forEach(function (result) {
      if (waiting[result.id]) { waiting[result.id](result); delete waiting[result.id]; }
    });
  });

  function send(event, onResult) {
    return queue.add(event).then(function (id) {
      waiting[id] = onResult;
      return id;
    });
  }

  // --- Scanner ----------------------------------------------------------------------------
  var scanner = document.getElementById("scanner");
  if (scanner) {
    var sessionId = Number(scanner.dataset.session);
    var status = document.getElementById("scan-status");
    var list = document.getElementById("scan-results");
    var video = document.getElementById("camera");
    var startButton = document.getElementById("camera-start");
    var recent = {};

    var say = function (text, kind) {
      status.textContent = text;
      status.className = "scan-status " + (kind || "");
    };

    var addLine = function (text, kind) {
      var item = document.createElement("li");
      item.className = kind || "";
      item.textContent = text;
      list.insertBefore(item, list.firstChild);
      return item;
    };

    var onCode = function (raw) {
      if (raw.indexOf("/u/") < 0) { say(scanner.dataset.msgNotCard, "bad"); beep(false); return; }
      var now = Date.now();
      if (recent[raw] && now - recent[raw] < 4000) { return; }
      recent[raw] = now;
      var line = addLine(scanner.dataset.msgWaiting, "waiting");
      beep(true);
      say(scanner.dataset.msgWaiting, "waiting");
      send({ type: "checkin.card", session: sessionId, card: raw }, function (result) {
        var text = result.status === "rejected" ? result.reason
          : fill(result.status === "recorded" ? scanner.dataset.msgOk : scanner.dataset.msgAlready,
                 { name: result.name });
        line.textContent = text;
        line.className = result.status === "rejected" ? "bad" : (result.status === "recorded" ? "ok" : "info");
        say(text, line.className);
        if (result.status === "rejected") { beep(false); }
      });
    };

    var detectorReady = function () {
      if ("BarcodeDetector" in window) {
        return Promise.resolve(new window.BarcodeDetector({ formats: ["qr_code"] }));
      }
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = scanner.dataset.polyfill;
        script.onload = function () {
          var api = window.BarcodeDetectionAPI;
          api.setZXingModuleOverrides({
            locateFile: function (path, prefix) { return path.endsWith(".wasm") ? scanner.dataset.wasm : prefix + path; }
          });
          resolve(new api.BarcodeDetector({ formats: ["qr_code"] }));
        };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    };

    var start = function () {
      startButton.hidden = true;
      Promise.all([
        navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false }),
        detectorReady()
      ]).then(function (parts) {
        var stream = parts[0], detector = parts[1];
        video.srcObject = stream;
        return video.play().then(function () {
          var busy = false;
          var loop = function () {
            if (!busy && video.readyState >= 2) {
              busy = true;
              detector.detect(video).then(function (codes) {
                codes.forEach(function (code) { onCode(code.rawValue); });
              }).catch(function () {}).then(function () { busy = false; });
            }
            setTimeout(loop, 250);
          };
          loop();
        });
      }).catch(function () {
        startButton.hidden = false;
        say(scanner.dataset.msgNoCamera, "bad");
      });
    };
    startButton.addEventListener("click", start);
    if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) { start(); }
  }

  // --- Check-in by name -------------------------------------------------------------------
  var desk = document.getElementById("desk");
  if (desk) {
    var deskSession = Number(desk.dataset.session);
    var directory = JSON.parse(desk.dataset.directory || "[]");
    var here = {};
    JSON.parse(desk.dataset.here || "[]").forEach(function (id) { here[id] = true; });
    var results = document.getElementById("desk-results");
    var input = document.getElementById("desk-q");

    var fold = function (text) {
      return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D")
        .toLowerCase().replace(/\s+/g, " ").trim();
    };

    var render = function () {
      var query = fold(input.value);
      results.innerHTML = "";
      if (!query) { return; }
      var found = directory.filter(function (p) { return p.f.indexOf(query) >= 0; }).slice(0, 30);
      if (!found.length) {
        var none = document.createElement("p");
        none.className = "muted";
        none.textContent = desk.dataset.msgNone;
        results.appendChild(none);
        return;
      }
      var listEl = document.createElement("ul");
      listEl.className = "list people";
      found.forEach(function (person) {
        var item = document.createElement("li");
        var who = document.createElement("span");
        var name = document.createElement("strong");
        name.textContent = person.n;
        var more = document.createElement("span");
        more.className = "muted";
        more.textContent = " " + person.a + (person.y ? " · " + person.y : "");
        who.appendChild(name);
        who.appendChild(more);
        item.appendChild(who);
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button small primary";
        button.textContent = here[person.id] ? "✓ " + desk.dataset.labelDone : desk.dataset.labelCheck;
        button.disabled = !!here[person.id];
        button.addEventListener("click", function () {
          here[person.id] = true;
          button.disabled = true;
          button.textContent = "⟳ " + desk.dataset.labelDone;
          send({ type: "checkin.manual", session: deskSession, person: person.id }, function (result) {
            button.textContent = result.status === "rejected" ? "✗" : "✓ " + desk.dataset.labelDone;
            if (result.status === "rejected") { here[person.id] = false; button.disabled = false; button.title = result.reason; }
          });
        });
        item.appendChild(button);
        listEl.appendChild(item);
      });
      results.appendChild(listEl);
    };

    document.getElementById("desk-search").addEventListener("submit", function (event) {
      event.preventDefault();
      render();
    });
    input.addEventListener("input", render);

    var form = document.getElementById("desk-register");
    var registerStatus = document.getElementById("desk-register-status");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var name = String(data.get("name") || "").trim();
      if (!name) { form.querySelector("[name=name]").focus(); return; }
      var year = String(data.get("birth_year") || "").trim();
      registerStatus.textContent = desk.dataset.msgWaiting;
      send({
        type: "checkin.register", session: deskSession, name: name,
        birth_year: year ? Number(year) : null, area: Number(data.get("area")),
        phone: String(data.get("phone") || "").trim()
      }, function (result) {
        registerStatus.textContent = result.status === "rejected" ? result.reason
          : fill(desk.dataset.msgOk, { name: result.name });
        if (result.person) {
          here[result.person] = true;
          directory.push({ id: result.person, n: result.name, f: fold(result.name), y: year, a: "" });
        }
      });
      form.reset();
      form.querySelector("[name=name]").focus();
    });
  }
})();
