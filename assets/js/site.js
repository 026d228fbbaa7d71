// Kapstone's page behaviour, loaded with defer on every page (no inline script: the
// Content-Security-Policy allows only 'self').

// A form that came back with errors: move focus to its summary, so a screen reader
// reads what is wrong and a sighted person sees it; each line of the summary moves
// focus to its field (and scrolls its label into view).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    const target = field.matches("input, select, textarea") ? field : field.querySelector("input, select, textarea") || field;
    const group = field.closest("fieldset, .field") || field;
    group.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });
});
