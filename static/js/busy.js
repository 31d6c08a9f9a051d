// Forms that take a moment (submit an assessment, approve one): once sent, the button says so and
// cannot be pressed again. A form opts in with data-busy-label="…" (the text shown while busy);
// no inline script, so the CSP stays strict. The server refuses a second submission anyway.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.busyLabel || event.defaultPrevented) return;
    const button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    // Disabled after this tick: a button disabled before the browser builds the form data would
    // leave its own name/value out of the request.
    window.setTimeout(function () {
      form.setAttribute("aria-busy", "true");
      if (!button) return;
      if (button.dataset.idleLabel === undefined) button.dataset.idleLabel = button.textContent;
      button.disabled = true;
      button.textContent = form.dataset.busyLabel;
    }, 0);
  });

  // Back to a page kept in the browser's cache: the form is idle again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[aria-busy=true][data-busy-label]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button[data-idle-label]").forEach(function (button) {
        button.disabled = false;
        button.textContent = button.dataset.idleLabel;
      });
    });
  });
})();
