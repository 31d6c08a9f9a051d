// Questionnaire page: conditional questions, progress, exclusive options and retrying saves.
// Saving itself is HTMX (each question form posts on change); this file only reacts to it.
(function () {
  "use strict";
  const pending = new Set();
  const retries = new Map();

  function saveState() {
    const el = document.getElementById("save-state");
    if (!el) return;
    el.textContent = pending.size ? el.dataset.pending : el.dataset.ok;
    el.classList.toggle("error", pending.size > 0);
  }

  // Server tells us which questions are visible now and how many are answered.
  document.body.addEventListener("answers-changed", function (event) {
    const detail = event.detail || {};
    const visible = new Set(detail.visible || []);
    document.querySelectorAll(".q-wrap[data-item]").forEach(function (wrap) {
      wrap.hidden = !visible.has(wrap.dataset.item);  // hidden answers stay stored until submission
    });
    const bar = document.getElementById("progress");
    if (bar && detail.total !== undefined) {
      bar.max = detail.total;
      bar.value = detail.answered;
      const text = document.getElementById("progress-text");
      if (text) text.textContent = detail.answered + " / " + detail.total;
    }
  });

  // "None of the above" excludes the other options and vice versa, before HTMX posts the form.
  document.addEventListener("change", function (event) {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox" || !box.checked) return;
    box.form.querySelectorAll('input[type=checkbox][name="' + box.name + '"]').forEach(function (other) {
      if (other !== box && (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive"))) {
        other.checked = false;
      }
    });
  }, true);

  function failed(event) {
    const form = event.detail.elt;
    if (!form || !form.matches("form.question")) return;
    const code = form.dataset.item;
    pending.add(code);
    saveState();
    // The answer stays in the page; retry with backoff until the server takes it.
    const attempt = (retries.get(code) || 0) + 1;
    retries.set(code, attempt);
    setTimeout(function () {
      const current = document.getElementById("q-" + code);
      if (current) htmx.trigger(current, "change");
    }, Math.min(30000, 1000 * 2 ** attempt));
  }
  document.body.addEventListener("htmx:sendError", failed);
  document.body.addEventListener("htmx:responseError", failed);

  document.body.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (!event.detail.successful || !form || !form.dataset || !form.dataset.item) return;
    if (pending.delete(form.dataset.item)) {
      retries.delete(form.dataset.item);
      saveState();
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (pending.size) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
