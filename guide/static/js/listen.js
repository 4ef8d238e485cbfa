// Read aloud with the browser's own speech synthesis, in the page's language.
// When the browser has no voice for that language (common for Arabic and Turkish on budget phones), the button
// stays hidden and the page's spoken file plays instead: the player after the button (made ahead of time on the
// server, guide/core/audio.py; it works without JavaScript too). A page without such a file shows the short message
// after the button saying why there is nothing to listen to. No external service.
(function () {
  "use strict";
  var synth = window.speechSynthesis;

  // No voice: the player is shown when the page has one, else the message. A voice: the button, nothing else.
  function explain(button, missing) {
    var next = button.nextElementSibling;
    if (!next) { return; }
    if (next.classList.contains("listen-audio")) {
      var player = next.querySelector("audio");
      if (!missing && player && !player.paused) { return; }  // voices found while the file plays: leave it be
      next.hidden = !missing;
    }
    if (next.classList.contains("listen-missing")) { next.hidden = !missing; }
  }

  if (!synth || typeof window.SpeechSynthesisUtterance !== "function") {
    document.querySelectorAll("button.listen").forEach(function (b) { explain(b, true); });
    return;
  }

  function voiceFor(lang) {
    var voices = synth.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if ((voices[i].lang || "").toLowerCase().split(/[-_]/)[0] === lang) { return voices[i]; }
    }
    return null;
  }

  function textOf(target) {
    var clone = target.cloneNode(true);
    clone.querySelectorAll("button, input, audio, .listen, .listen-audio, .listen-missing, [aria-hidden='true']").forEach(function (n) { n.remove(); });
    return clone.innerText || clone.textContent || "";
  }

  function setUp(button) {
    var lang = button.getAttribute("data-lang");
    var voice = voiceFor(lang);
    if (!voice) { button.hidden = true; explain(button, true); return; }
    button.hidden = false;
    explain(button, false);
    if (button.dataset.ready) { return; }
    button.dataset.ready = "1";
    button.setAttribute("aria-pressed", "false");
    var label = button.querySelector(".listen-label");
    button.addEventListener("click", function () {
      if (button.getAttribute("aria-pressed") === "true") {
        synth.cancel();
        return;
      }
      var target = document.querySelector(button.getAttribute("data-listen")) || document.querySelector("main");
      var utterance = new SpeechSynthesisUtterance(textOf(target));
      utterance.lang = voice.lang;
      try { utterance.voice = voice; } catch (e) { /* the language alone picks a voice */ }
      utterance.rate = 0.9;
      utterance.onend = utterance.onerror = function () {
        button.setAttribute("aria-pressed", "false");
        label.textContent = button.getAttribute("data-label-start");
      };
      synth.cancel();
      synth.speak(utterance);
      button.setAttribute("aria-pressed", "true");
      label.textContent = button.getAttribute("data-label-stop");
    });
  }

  function setUpAll() { document.querySelectorAll("button.listen").forEach(setUp); }
  setUpAll();
  if ("onvoiceschanged" in synth) { synth.addEventListener("voiceschanged", setUpAll); }
})();
