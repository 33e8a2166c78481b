// Staff idle sign-out without losing what a person was typing.
//
// 1. Requests no person asked for (htmx polls and "load" triggers, and the idle check below) carry
//    X-Fucheng-Background: 1, so the server does not count them as activity.
// 2. On staff pages (body[data-idle-check]) the page asks the server once a minute whether the session
//    is still open; when it has ended, the page goes to the sign-in page, which says why.
// 3. Text typed into a form is kept in this tab's sessionStorage, per person and page, until the page
//    that follows its submission is not the sign-in page; after signing in again it is put back into
//    the empty fields of the same page. The tab's storage ends when the tab is closed.
(function () {
  "use strict";
  var body = document.body;
  var user = body.getAttribute("data-user") || "";
  var PREFIX = "fucheng-draft:" + user + ":";
  var signInPath = body.getAttribute("data-sign-in") || "/accounts/login/";

  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.triggeringEvent) {
      event.detail.headers["X-Fucheng-Background"] = "1";
    }
  });

  var checkUrl = body.getAttribute("data-idle-check");
  if (checkUrl) {
    window.setInterval(function () {
      fetch(checkUrl, {
        headers: { "X-Fucheng-Background": "1", "HX-Current-URL": window.location.href },
        credentials: "same-origin",
      }).then(function (response) {
        var target = response.headers.get("HX-Redirect");
        if (target) {
          window.location.assign(target);
        }
      }).catch(function () { /* offline for a moment: ask again next minute */ });
    }, 60000);
  }

  if (!user || !window.sessionStorage) {
    return;
  }
  var onSignIn = window.location.pathname.indexOf(signInPath) === 0 || window.location.pathname.indexOf("/accounts/2fa/") === 0;

  function fieldKey(form, field) {
    var forms = Array.prototype.indexOf.call(document.forms, form);
    return PREFIX + window.location.pathname + ":" + forms + ":" + field.name;
  }

  function keptFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && field.name !== "csrfmiddlewaretoken" &&
        (field.tagName === "TEXTAREA" || (field.tagName === "INPUT" && field.type === "text"));
    });
  }

  // Keys of the form last submitted: dropped on the page that follows, unless that page is the sign-in
  // page (the submission did not get through: the text is put back after signing in).
  var SUBMITTED = PREFIX + "submitted";
  var submitted = JSON.parse(sessionStorage.getItem(SUBMITTED) || "[]");
  sessionStorage.removeItem(SUBMITTED);
  if (!onSignIn) {
    submitted.forEach(function (key) { sessionStorage.removeItem(key); });
  }

  var restored = false;
  Array.prototype.forEach.call(document.forms, function (form) {
    if ((form.method || "").toLowerCase() !== "post") {
      return;
    }
    var fields = keptFields(form);
    fields.forEach(function (field) {
      var key = fieldKey(form, field);
      var saved = sessionStorage.getItem(key);
      if (saved !== null && !field.value && !onSignIn) {
        field.value = saved;
        restored = true;
      }
      field.addEventListener("input", function () {
        sessionStorage.setItem(key, field.value);
      });
    });
    form.addEventListener("submit", function () {
      sessionStorage.setItem(SUBMITTED, JSON.stringify(fields.map(function (field) { return fieldKey(form, field); })));
    });
  });

  if (restored) {
    var note = document.createElement("div");
    note.className = "alert alert-info";
    note.setAttribute("role", "status");
    note.setAttribute("data-testid", "draft-restored");
    note.textContent = body.getAttribute("data-draft-restored") || "";
    var main = document.getElementById("main");
    if (main) {
      main.insertBefore(note, main.firstChild);
    }
  }
})();
