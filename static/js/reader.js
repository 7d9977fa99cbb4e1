// Học vụ số: the lesson reader on the phone. The page holds the whole lesson (cards,
// questions, every explanation), so once it is loaded it needs no connection: cards
// flip and answers are judged here, and each action is queued (queue.js) for the
// server. Without this script the same page works with links and form posts.
(function () {
  "use strict";
  var reader = document.getElementById("reader");
  if (!reader || !window.HVS || !window.HVS.queue) { return; }
  var queue = window.HVS.queue;
  var base = { course: reader.dataset.course, lesson: reader.dataset.lesson };
  var steps = Number(reader.dataset.steps);
  var questions = Number(reader.dataset.questions);
  var passMark = Number(reader.dataset.pass);
  var url = reader.dataset.url;
  var panels = Array.prototype.slice.call(reader.querySelectorAll("[data-panel]"));
  var answers = [];
  var finished = false;

  reader.classList.add("js");

  function panel(name) { return reader.querySelector('[data-panel="' + name + '"]'); }

  function urlFor(name) {
    if (name === "0") { return url; }
    if (name === "result") { return url + "?step=result"; }
    if (name.charAt(0) === "q") { return url + "?step=quiz&q=" + name.slice(1); }
    return url + "?step=" + name;
  }

  function show(name, push) {
    var target = panel(name) || panel("0");
    stopSpeaking();
    panels.forEach(function (p) { p.hidden = p !== target; });
    if (push) { history.pushState({ panel: name }, "", urlFor(name)); }
    window.scrollTo(0, 0);
    var heading = target.querySelector("h2, .step-count, .lead");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
  }

  function send(type, extra) {
    queue.add(Object.assign({ type: type }, base, extra || {}));
  }

  // Answers already given on the server (a page reloaded mid-quiz) are kept.
  for (var i = 0; i < questions; i++) {
    var chosen = panel("q" + i).querySelector(".choice.chosen");
    if (!chosen) { break; }
    answers.push(chosen.value);
  }

  function resetQuiz() {
    answers = [];
    finished = false;
    reader.querySelectorAll(".question").forEach(function (q) {
      q.querySelectorAll(".choice").forEach(function (b) {
        b.disabled = false;
        b.classList.remove("chosen", "right", "wrong");
      });
      q.querySelectorAll(".feedback, .after").forEach(function (el) { el.hidden = true; });
    });
  }

  function answer(button) {
    var section = button.closest(".question");
    var index = Number(section.dataset.panel.slice(1));
    if (index !== answers.length) { return; }
    var right = button.dataset.right === "1";
    answers.push(button.value);
    section.querySelectorAll(".choice").forEach(function (b) { b.disabled = true; });
    button.classList.add("chosen", right ? "right" : "wrong");
    var feedback = section.querySelector('.feedback[data-for="' + button.value + '"]');
    feedback.hidden = false;
    section.querySelector(".after").hidden = false;
    if (navigator.vibrate) { navigator.vibrate(right ? 40 : [60, 60, 60]); }
    send("lesson.answer", { question: index, answer: button.value });
    if (answers.length === questions) { finish(); }
    feedback.setAttribute("tabindex", "-1");
    feedback.focus();
  }

  function finish() {
    if (finished) { return; }
    finished = true;
    var score = 0;
    for (var i = 0; i < questions; i++) {
      var b = panel("q" + i).querySelector('.choice[value="' + answers[i] + '"]');
      if (b && b.dataset.right === "1") { score++; }
    }
    send("lesson.quiz", { answers: answers.slice() });
    var result = panel("result");
    var line = result.querySelector(".score");
    line.textContent = line.dataset.template.replace("{score}", score).replace("{total}", questions);
    result.querySelector(".passed").hidden = score < passMark;
    result.querySelector(".failed").hidden = score >= passMark;
  }

  reader.addEventListener("submit", function (event) {
    var form = event.target;
    var action = form.dataset.action;
    if (!action) { return; }
    event.preventDefault();
    if (action === "start") {
      send("lesson.opened");
      show("1", true);
    } else if (action === "next") {
      var step = Number(form.querySelector('[name="step"]').value);
      send("lesson.step", { step: step });
      if (step >= steps) { resetQuiz(); show("q0", true); } else { show(String(step + 1), true); }
    } else if (action === "answer") {
      var button = event.submitter;
      if (button && button.classList.contains("choice")) { answer(button); }
    } else if (action === "retry") {
      resetQuiz();
      show("q0", true);
    }
  });

  reader.addEventListener("click", function (event) {
    var link = event.target.closest("[data-go]");
    if (!link) { return; }
    event.preventDefault();
    var name = link.dataset.go;
    if (name === "result" && answers.length === questions) { finish(); }
    show(name, true);
  });

  window.addEventListener("popstate", function (event) {
    show(event.state && event.state.panel ? event.state.panel : currentFromUrl(), false);
  });

  function currentFromUrl() {
    var params = new URLSearchParams(location.search);
    var step = params.get("step");
    if (step === "quiz") { return "q" + (params.get("q") || "0"); }
    return step || "0";
  }
  history.replaceState({ panel: currentFromUrl() }, "", location.href);
  // A lesson opened offline comes from the phone's copy of the lesson page, which may
  // show another card than the address asks for.
  var requested = panel(currentFromUrl());
  if (requested && requested.hidden) { show(currentFromUrl(), false); }

  // "Nghe": read the visible card aloud with the phone's own voice, if it has one.
  var listen = document.getElementById("listen");
  var synth = window.speechSynthesis;
  var wanted = reader.dataset.lang === "en" ? "en" : "vi";
  function voice() {
    var voices = synth ? synth.getVoices() : [];
    return voices.filter(function (v) { return v.lang.toLowerCase().indexOf(wanted) === 0; })[0] || null;
  }
  function offerListening() { if (listen && voice()) { listen.hidden = false; } }
  function stopSpeaking() {
    if (synth && synth.speaking) { synth.cancel(); }
    if (listen) { listen.querySelector(".label").textContent = listen.dataset.listen; }
  }
  if (synth && listen && window.SpeechSynthesisUtterance) {
    offerListening();
    synth.addEventListener("voiceschanged", offerListening);
    listen.addEventListener("click", function () {
      if (synth.speaking) { stopSpeaking(); return; }
      var visible = panels.filter(function (p) { return !p.hidden; })[0];
      var text = Array.prototype.map.call(visible.querySelectorAll(".say:not([hidden]), .feedback:not([hidden]) .say"),
        function (el) { return el.innerText; }).join(". ");
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.voice = voice();
      utterance.lang = utterance.voice.lang;
      utterance.rate = 0.9;
      utterance.onend = stopSpeaking;
      listen.querySelector(".label").textContent = listen.dataset.stop;
      synth.speak(utterance);
    });
  }

  // Text size: change at once, remember on the server in the background.
  var sizes = reader.querySelector("form.textsize");
  if (sizes) {
    sizes.addEventListener("submit", function (event) {
      var size = event.submitter && event.submitter.value;
      if (!size) { return; }
      event.preventDefault();
      var html = document.documentElement;
      html.className = html.className.replace(/\bts-\w+\b/, "") + " ts-" + size;
      sizes.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === event.submitter)); });
      var data = new FormData(sizes);
      data.set("size", size);
      fetch(sizes.action, { method: "POST", body: data, credentials: "same-origin" }).catch(function () {});
    });
  }
})();
