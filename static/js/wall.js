// The lobby's wall display: asks for the current state every 2 seconds and redraws the numbers. When the
// server or the network is away it keeps showing the last state and says it is reconnecting; it carries on
// by itself when the server is back. A newly called ticket flashes (and chimes, when the address asks).
(function () {
  "use strict";
  var EVERY_MS = 2000;
  var WAIT_MS = 5000;  // a request that hangs this long counts as no connection
  var audio = null;
  var drawn = "";
  var body = document.body;
  var url = body.getAttribute("data-state-url");
  var chime = body.getAttribute("data-chime") === "1";
  var latest = null;
  var flashTimer = null;

  function cell(text) { var td = document.createElement("td"); td.textContent = text; return td; }

  function drawCalled(called) {
    var rows = document.getElementById("wall-called");
    var fresh = document.createDocumentFragment();
    if (!called.length) {
      var empty = document.createElement("tr");
      empty.className = "kcc-wall__empty";
      var td = cell("Nog niemand opgeroepen");
      td.colSpan = 2;
      empty.appendChild(td);
      fresh.appendChild(empty);
    }
    called.forEach(function (call, index) {
      var row = document.createElement("tr");
      if (index === 0) { row.className = "kcc-wall__latest"; }
      row.appendChild(cell(call.ticket));
      row.appendChild(cell(call.desk));
      fresh.appendChild(row);
    });
    rows.replaceChildren(fresh);
  }

  function drawQueues(domains) {
    var list = document.getElementById("wall-queues");
    var fresh = document.createDocumentFragment();
    domains.forEach(function (domain) {
      var item = document.createElement("li");
      [["kcc-wall__domain", domain.name], ["kcc-wall__count", domain.waiting + " wachtend"],
       ["kcc-wall__wait", domain.wait_min ? "ongeveer " + domain.wait_min + " min" : "geen wachttijd"]]
        .concat(domain.next.length ? [["kcc-wall__next", "Straks: " + domain.next.join(", ")]] : [])
        .forEach(function (part) {
          var span = document.createElement("span");
          span.className = part[0];
          span.textContent = part[1];
          item.appendChild(span);
        });
      fresh.appendChild(item);
    });
    list.replaceChildren(fresh);
  }

  function ring() {
    if (!chime || !window.AudioContext) { return; }
    try {
      audio = audio || new AudioContext();
      if (audio.state === "suspended") { audio.resume(); }
      [660, 880].forEach(function (pitch, index) {
        var tone = audio.createOscillator();
        var gain = audio.createGain();
        tone.frequency.value = pitch;
        gain.gain.setValueAtTime(0.2, audio.currentTime + index * 0.35);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + index * 0.35 + 0.3);
        tone.connect(gain).connect(audio.destination);
        tone.start(audio.currentTime + index * 0.35);
        tone.stop(audio.currentTime + index * 0.35 + 0.3);
      });
    } catch (error) { /* a display without sound still shows the call */ }
  }

  function announce(called) {
    // a call newer than the newest seen flashes (and chimes); a list that only lost a line does not
    var top = called.length ? Date.parse(called[0].at) : 0;
    if (latest !== null && top > latest) {
      body.classList.remove("kcc-wall--called");
      void body.offsetWidth;  // restart the flash
      body.classList.add("kcc-wall--called");
      clearTimeout(flashTimer);
      flashTimer = setTimeout(function () { body.classList.remove("kcc-wall--called"); }, 4000);
      ring();
    }
    latest = Math.max(latest || 0, top);
  }

  function connected(ok) {
    document.getElementById("wall-status").hidden = ok;
    body.setAttribute("data-connected", ok ? "yes" : "no");
  }

  function poll() {
    var control = window.AbortController ? new AbortController() : null;
    var timer = control ? setTimeout(function () { control.abort(); }, WAIT_MS) : null;
    fetch(url, {cache: "no-store", credentials: "same-origin", headers: {"Accept": "application/json"},
                signal: control ? control.signal : undefined})
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (state) {
        announce(state.called);
        var now = JSON.stringify([state.called, state.domains]);
        if (now !== drawn) {  // redraw (and let a screen reader hear it) only what changed
          drawCalled(state.called);
          drawQueues(state.domains);
          drawn = now;
        }
        connected(true);
      })
      .catch(function () { connected(false); })
      .then(function () { clearTimeout(timer); setTimeout(poll, EVERY_MS); });
  }

  document.addEventListener("DOMContentLoaded", function () { setTimeout(poll, 0); });  // the first read sets "already called"
}());
