/* Online conversations: keep the newest line in view when the list loads and whenever polling brings more.
   Polling itself is htmx (vendored): the list reloads its own URL every few seconds. No inline script (CSP). */
(function () {
  "use strict";
  function scrollDown() {
    var list = document.getElementById("consult-lines");
    if (list) {
      list.scrollTop = list.scrollHeight;
    }
  }
  document.addEventListener("DOMContentLoaded", scrollDown);
  document.body.addEventListener("htmx:afterSwap", scrollDown);
})();
