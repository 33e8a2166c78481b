// New crisis alerts without waiting for the panel's 30-second refresh.
//
// Every few seconds the page asks a cheap endpoint for the newest open alert (and callback request) that
// reached this person. When the answer changes, the alerts panel is loaded again; when something new arrived,
// the tab's title says so until the person comes back to the page, and a short sound plays if they allowed it
// (a switch kept in this browser's localStorage). Polls are background requests (X-Fucheng-Background), so an
// open workspace never keeps a staff session alive.
(function () {
  "use strict";
  var panel = document.querySelector("[data-alerts-latest]");
  if (!panel || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-alerts-latest");
  var panelUrl = panel.getAttribute("hx-get");
  var seconds = parseFloat(panel.getAttribute("data-alerts-poll-seconds") || "3");
  var titleText = panel.getAttribute("data-alert-title") || "!";
  var soundUrl = panel.getAttribute("data-alert-sound");
  var SOUND_KEY = "fucheng-alert-sound";
  var baseTitle = document.title;
  var last = null;
  var flagged = false;

  var toggle = document.getElementById("alert-sound-toggle");
  function soundAllowed() {
    try {
      return window.localStorage.getItem(SOUND_KEY) === "on";
    } catch (e) {
      return false;
    }
  }
  if (toggle) {
    toggle.checked = soundAllowed();
    toggle.addEventListener("change", function () {
      try {
        window.localStorage.setItem(SOUND_KEY, toggle.checked ? "on" : "off");
      } catch (e) { /* storage off: the switch only lasts for this page */ }
      if (toggle.checked && soundUrl) {
        new Audio(soundUrl).play().catch(function () {}); // a sample, and the browser's permission to play
      }
    });
  }

  function unflag() {
    if (flagged) {
      flagged = false;
      document.title = baseTitle;
    }
  }
  ["focus", "click", "keydown"].forEach(function (name) {
    window.addEventListener(name, function () {
      if (!document.hidden) {
        unflag();
      }
    });
  });

  function announce() {
    flagged = true;
    document.title = "(!) " + titleText + " · " + baseTitle;
    if ((toggle ? toggle.checked : soundAllowed()) && soundUrl) {
      new Audio(soundUrl).play().catch(function () { /* the browser refused: the title still says it */ });
    }
  }

  function reloadPanel() {
    if (window.htmx) {
      // No triggering event: idle.js marks it as a background request.
      window.htmx.ajax("GET", panelUrl, { target: panel, swap: "innerHTML" });
    }
  }

  function poll() {
    fetch(url, {
      headers: { "X-Fucheng-Background": "1", "HX-Current-URL": window.location.href, Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    }).then(function (response) {
      var target = response.headers.get("HX-Redirect");
      if (target) {
        window.location.assign(target); // the session ended: idle.js keeps what was being typed
        return null;
      }
      return response.ok ? response.json() : null;
    }).then(function (now) {
      if (!now) {
        return;
      }
      if (last !== null && (now.alert !== last.alert || now.request !== last.request || now.open !== last.open)) {
        reloadPanel();
        if (now.alert > last.alert || now.request > last.request) {
          panel.setAttribute("data-new-alert", String(now.alert));
          announce();
        }
      }
      last = now;
    }).catch(function () { /* offline for a moment: ask again shortly */ });
  }

  poll();
  window.setInterval(poll, seconds * 1000);
})();
