// Học vụ số: the trainer's full-screen check-in QR. The page holds the session's tokens,
// one per 20 seconds, so the QR keeps changing with no connection. The phone's clock is
// corrected by the server's time at load.
(function () {
  "use strict";
  var screen = document.getElementById("qr-screen");
  if (!screen || typeof qrcode !== "function") { return; }
  var schedule = JSON.parse(screen.dataset.tokens);
  var first = Number(screen.dataset.first);
  var seconds = Number(screen.dataset.window);
  var offset = Number(screen.dataset.now) - Date.now();
  var base = screen.dataset.base;
  var box = document.getElementById("qr-box");
  var closed = document.getElementById("qr-closed");
  var countdown = document.getElementById("qr-countdown");
  var shown = null;

  function draw(text) {
    var qr = qrcode(0, "M");
    qr.addData(text);
    qr.make();
    box.innerHTML = qr.createSvgTag({ cellSize: 8, margin: 2, scalable: true });
    var svg = box.querySelector("svg");
    svg.setAttribute("class", "qr");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", document.title);
  }

  function tick() {
    var now = (Date.now() + offset) / 1000;
    var index = Math.floor(now / seconds) - first;
    var open = index >= 0 && index < schedule.length;
    closed.hidden = open;
    box.hidden = !open;
    if (open && index !== shown) {
      shown = index;
      draw(base + schedule[index]);
    }
    var left = Math.ceil(seconds - (now % seconds));
    countdown.textContent = open ? screen.dataset.msgLeft.replace("{s}", left) : "";
  }
  tick();
  setInterval(tick, 1000);

  // Keep the screen on while the code is shown.
  function stayAwake() {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").catch(function () {});
    }
  }
  stayAwake();
  document.addEventListener("visibilitychange", stayAwake);
  var full = document.getElementById("qr-fullscreen");
  if (full && document.documentElement.requestFullscreen) {
    full.addEventListener("click", function () { document.documentElement.requestFullscreen().catch(function () {}); });
  } else if (full) { full.hidden = true; }
})();
