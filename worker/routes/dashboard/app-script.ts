/**
 * The dashboard's one script (served as /admin/dashboard/app.js; the CSP allows no inline
 * script). Live parts: an element with data-live="<SSE url>" gets each event's data, a
 * fragment the server rendered and escaped, as its content; EventSource reconnects by itself.
 * Forms with data-confirm ask first.
 */
export const APP_SCRIPT = `"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-live]").forEach(function (el) {
    var source = new EventSource(el.getAttribute("data-live"));
    source.onmessage = function (e) { el.innerHTML = e.data; el.setAttribute("data-updated", String(Date.now())); };
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) e.preventDefault();
  });
});
`;
