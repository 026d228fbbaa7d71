// After a form sends the reader back to a named part of the page (a knowledge check's
// result, a form with errors), move keyboard and screen-reader focus there too: the
// browser scrolls to the fragment but leaves focus at the top. Only targets that ask
// for it (tabindex="-1") are focused. A form sent back with errors is left to site.js,
// which focuses its error summary (inside the target, at the top of the form).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.location.hash || document.querySelector("[data-error-summary]")) return;
  var target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  if (target && target.getAttribute("tabindex") === "-1") target.focus();
});
