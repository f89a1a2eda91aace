/**
 * The dashboard's one script (served as /admin/dashboard/app.js; the CSP allows no inline
 * script). Live parts: an element with data-live="<SSE url>" gets each event's data, a
 * fragment the server rendered and escaped, as its content; EventSource reconnects by itself.
 * An update never lands while someone is typing in that part (a focused field, or a field
 * changed from what the page showed, such as a kick reason): it waits until the part is idle,
 * so a live refresh cannot swallow a half-filled form. Forms with data-confirm ask first.
 */
export const APP_SCRIPT = `"use strict";
document.addEventListener("DOMContentLoaded", function () {
  function busy(el) {
    var a = document.activeElement;
    if (a && el.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) return true;
    var fields = el.querySelectorAll("input, textarea");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "checkbox" || f.type === "radio") { if (f.checked !== f.defaultChecked) return true; }
      else if (f.type !== "hidden" && f.value !== f.defaultValue) return true;
    }
    return false;
  }
  document.querySelectorAll("[data-live]").forEach(function (el) {
    var pending = null;
    function apply() {
      if (pending === null || busy(el)) return;
      el.innerHTML = pending;
      pending = null;
      el.setAttribute("data-updated", String(Date.now()));
    }
    var source = new EventSource(el.getAttribute("data-live"));
    source.onmessage = function (e) { pending = e.data; apply(); };
    setInterval(apply, 1000);
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) e.preventDefault();
  });
});
`;
