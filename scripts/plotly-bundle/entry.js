'use strict';
// The plotly.js partial bundle the portal serves (static/vendor/plotly-polar-bar-<version>.min.js):
// the core (which always carries scatter) plus the trace types our figures use: scatterpolar for the
// result page's radar, bar for the re-assessment comparison and the regional charts, heatmap for the
// supply–demand gap map. Built by build.sh.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/scatterpolar'), require('plotly.js/lib/bar'), require('plotly.js/lib/heatmap')]);

module.exports = Plotly;
