// Result, comparison and regional pages: draw every [data-figure] element with the plotly figure stored in
// the JSON script tag it names. The CSP forbids inline scripts, so the data travels as JSON and
// this static file does the drawing; the tables next to each chart carry the same figures.
(function () {
  "use strict";

  function draw(root) {
    if (!window.Plotly) return;  // vendored plotly failed to load: the tables still show everything
    (root && root.querySelectorAll ? root : document).querySelectorAll("[data-figure]").forEach(function (el) {
      const source = document.getElementById(el.dataset.figure);
      if (!source || el.dataset.drawn) return;
      el.dataset.drawn = "1";
      const figure = JSON.parse(source.textContent);
      const layout = figure.layout || {};
      if (el.clientWidth < 480) {
        // A phone: smaller labels, and a square chart instead of the desktop's fixed height (unless the
        // figure's height follows its rows, as a heat map's does: data-keep-height).
        layout.font = Object.assign({}, layout.font, {size: 11});
        if (!("keepHeight" in el.dataset)) layout.height = Math.max(280, Math.round(el.clientWidth * 0.9));
      }
      // Static pictures: the table beside each chart carries the same figures, so there is nothing
      // to zoom, pan or export, and no toolbar to show.
      window.Plotly.newPlot(el, figure.data || [], layout, {
        responsive: true,
        staticPlot: true,
        displayModeBar: false,
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
  // Panels loaded by htmx after the page (the regional dashboards' RegionalPanel cards) bring their
  // own figures: draw them when they arrive.
  document.addEventListener("htmx:load", function (event) { draw(event.detail && event.detail.elt); });
})();
