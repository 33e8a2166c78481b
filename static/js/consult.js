/* Online conversations: keep the newest line in view when the list loads and whenever polling brings more.
   Polling itself is htmx (vendored): the list reloads its own URL every few seconds. No inline script (CSP).
   When the conversation is no longer open to the reader (handed over, taken by a colleague), the poll gets
   a 404: stop polling (htmx stops when the element leaves the page) and say so, instead of asking again. */
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
  document.body.addEventListener("htmx:responseError", function (event) {
    var list = event.detail.elt;
    if (!list || list.id !== "consult-lines" || event.detail.xhr.status !== 404) {
      return;
    }
    var still = list.cloneNode(true);
    still.removeAttribute("hx-get");
    still.removeAttribute("hx-trigger");
    var note = document.createElement("p");
    note.className = "alert alert-info mt-2";
    note.setAttribute("data-testid", "consult-gone");
    note.textContent = list.getAttribute("data-gone") || "";
    still.appendChild(note);
    list.replaceWith(still);
  });
})();
