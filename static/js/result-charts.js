// Result and comparison pages: draw every [data-figure] element with the plotly figure stored in
// the JSON script tag it names. The CSP forbids inline scripts, so the data travels as JSON and
// this static file does the drawing; the tables next to each chart carry the same figures.
(function () {
  "use strict";

  function draw() {
    if (!window.Plotly) return;  // vendored plotly failed to load: the tables still show everything
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      const source = document.getElementById(el.dataset.figure);
      if (!source) return;
      const figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, figure.data || [], figure.layout || {}, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["sendDataToCloud"],
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
