// Profile section editor: what autosave needs beyond the form's hx-* attributes.
// Saving itself is HTMX (the section form posts itself, debounced, on input and change, and the
// answer swaps only the status line and, out of band, the version, keys and message slots). This
// file shows "not saved yet", retries failed saves, lets a plain submit wait for a save in flight
// and warns before leaving with unsaved typing. Without it (or without JS) the form still posts.
(function () {
  "use strict";
  let dirty = false;      // typed since the last answered save
  let inFlight = false;   // an autosave request is on its way
  let leaving = false;    // the form is being submitted the plain way
  let retry = {attempt: 0, timer: null};

  function form() {
    return document.getElementById("section-form");
  }

  function isSection(elt) {
    return elt instanceof HTMLFormElement && elt.id === "section-form";
  }

  function status() {
    return document.getElementById("save-status");
  }

  function show(kind) {
    const el = status();
    // A conflict stays on screen until the user chooses; typing never hides it.
    if (!el || el.classList.contains("conflict")) return;
    el.textContent = el.dataset[kind];
    el.classList.toggle("invalid", kind === "pending");
  }

  document.addEventListener("input", function (event) {
    if (!event.target.form || !isSection(event.target.form)) return;
    dirty = true;
    show("dirty");
  });

  function cancelRetry() {
    if (retry.timer !== null) {
      clearTimeout(retry.timer);
      retry.timer = null;
    }
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (!isSection(event.detail.elt)) return;
    if (leaving) {
      event.preventDefault();  // the plain post carries the same form
      return;
    }
    cancelRetry();
    inFlight = true;
  });

  function failed(event) {
    if (!isSection(event.detail.elt)) return;
    inFlight = false;
    show("pending");
    // What is typed stays in the page; try again with backoff until the server takes it.
    cancelRetry();
    retry.attempt += 1;
    retry.timer = setTimeout(function () {
      retry.timer = null;
      const current = form();
      if (current && !leaving) htmx.trigger(current, "change");
    }, Math.min(30000, 1000 * 2 ** retry.attempt));
  }
  document.body.addEventListener("htmx:sendError", failed);
  document.body.addEventListener("htmx:responseError", failed);

  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (!isSection(event.detail.elt)) return;
    inFlight = false;
    const code = event.detail.xhr ? event.detail.xhr.status : 0;
    if (event.detail.successful || code === 409 || code === 422) {
      retry.attempt = 0;
      // Typing during the request queued another save (hx-sync); the page is clean only after it.
      if (code === 200) dirty = false;
    }
  });

  // A plain submit ("Save", "Save and continue", "Keep what I typed") waits for a save in flight,
  // so it posts the version that save brought back instead of meeting it as a conflict.
  document.addEventListener("submit", function (event) {
    if (!isSection(event.target)) return;
    leaving = true;
    cancelRetry();
    if (!inFlight) return;
    event.preventDefault();
    const submitter = event.submitter;
    const again = function (done) {
      if (!isSection(done.detail.elt)) return;
      document.body.removeEventListener("htmx:afterRequest", again);
      event.target.requestSubmit(submitter || undefined);
    };
    document.body.addEventListener("htmx:afterRequest", again);
  }, true);

  // Typing done before the deferred scripts ran had no save: send what differs from the page as
  // the server rendered it (autocomplete="off" keeps the browser from restoring older input).
  function changedBeforeLoad(el) {
    return Array.prototype.some.call(el.elements, function (input) {
      if (input instanceof HTMLSelectElement) {
        return Array.prototype.some.call(input.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      if (input instanceof HTMLTextAreaElement) return input.value !== input.defaultValue;
      if (!(input instanceof HTMLInputElement) || input.type === "hidden") return false;
      if (input.type === "radio" || input.type === "checkbox") return input.checked !== input.defaultChecked;
      return input.value !== input.defaultValue;
    });
  }
  htmx.onLoad(function (elt) {
    if (elt !== document.body) return;
    const el = form();
    if (el && changedBeforeLoad(el)) {
      dirty = true;
      htmx.trigger(el, "change");
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !leaving) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
