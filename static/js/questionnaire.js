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

  // Saves of one question never overlap: the form's hx-sync="this:queue last" holds a change made
  // while a save is in flight and sends it (with the form's state and version as they are then,
  // i.e. the version that save's answer brought) once that save is answered. A retry goes through
  // the same queue, and one question has at most one retry scheduled.
  function isQuestion(form) {
    return form instanceof HTMLFormElement && form.matches("form.question");
  }

  function cancelRetry(code) {
    const retry = retries.get(code);
    if (retry && retry.timer !== null) {
      clearTimeout(retry.timer);
      retry.timer = null;
    }
  }

  function failed(event) {
    const form = event.detail.elt;
    if (!isQuestion(form)) return;
    const code = form.dataset.item;
    pending.add(code);
    saveState();
    // The answer stays in the page; retry with backoff until the server takes it.
    cancelRetry(code);
    const retry = retries.get(code) || {attempt: 0, timer: null};
    retry.attempt += 1;
    retry.timer = setTimeout(function () {
      retry.timer = null;
      const current = document.getElementById("q-" + code);
      if (current) htmx.trigger(current, "change");
    }, Math.min(30000, 1000 * 2 ** retry.attempt));
    retries.set(code, retry);
  }
  document.body.addEventListener("htmx:sendError", failed);
  document.body.addEventListener("htmx:responseError", failed);

  // A save of the question on its way carries the page's answer: a retry still waiting is moot.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (isQuestion(event.detail.elt)) cancelRetry(event.detail.elt.dataset.item);
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (!event.detail.successful || !isQuestion(form)) return;
    cancelRetry(form.dataset.item);
    retries.delete(form.dataset.item);
    if (pending.delete(form.dataset.item)) saveState();
  });

  // The page shows (and takes clicks) before the deferred scripts have run: an answer changed
  // before htmx listened had no save. Once htmx has taken over the page, save what differs from
  // the page as the server rendered it (autocomplete="off" on the forms keeps the browser from
  // restoring older input state on reload, so a difference is the user's own doing).
  function changedBeforeLoad(form) {
    return Array.prototype.some.call(form.elements, function (input) {
      if (!(input instanceof HTMLInputElement) || input.type === "hidden") return false;
      if (input.type === "radio" || input.type === "checkbox") return input.checked !== input.defaultChecked;
      return input.value !== input.defaultValue;
    });
  }
  htmx.onLoad(function (elt) {
    if (elt !== document.body) return;
    document.querySelectorAll("form.question").forEach(function (form) {
      if (changedBeforeLoad(form)) htmx.trigger(form, "change");
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (pending.size) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
