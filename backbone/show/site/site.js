// Backbone's public site: draw each chart interactive where scripts run (the drawn image stays where they do not),
// and give each embed snippet this site's own address when the publisher set none.
(function () {
  "use strict";
  var specs = window.BACKBONE_CHARTS || {};

  // On a narrow screen a legend of three columns is wider than the chart: two columns, labels cut to fit.
  function narrowLegends(node, width) {
    if (Array.isArray(node)) { node.forEach(function (item) { narrowLegends(item, width); }); return; }
    if (!node || typeof node !== "object") return;
    Object.keys(node).forEach(function (key) {
      var value = node[key];
      if (key === "legend" && value && typeof value === "object") {
        value.columns = 2;
        value.labelLimit = Math.max(60, Math.floor(width / 2) - 40);
      } else {
        narrowLegends(value, width);
      }
    });
  }
  var figures = document.querySelectorAll("figure[data-chart]");
  Array.prototype.forEach.call(figures, function (figure) {
    var spec = specs[figure.getAttribute("data-chart")];
    var live = figure.querySelector(".chart-live");
    if (!spec || !live || typeof window.vegaEmbed !== "function") return;
    if (figure.classList.contains("fill")) {
      // An embed: the chart takes the frame's width and whatever height the title and credit leave.
      spec = Object.assign({}, spec, { width: "container", height: "container",
                                       autosize: { type: "fit", contains: "padding" } });
    }
    var width = live.parentNode.clientWidth;
    if (width < 560) narrowLegends(spec, width);
    figure.classList.add("is-live");  // shown before drawing: a chart as wide as its container measures the container
    window.vegaEmbed(live, spec, { actions: false, renderer: "svg" }).catch(function () {
      figure.classList.remove("is-live");  // the drawn image stays
    });
  });
  if (location.protocol === "http:" || location.protocol === "https:") {
    var codes = document.querySelectorAll("code[data-embed]:not([data-base])");
    Array.prototype.forEach.call(codes, function (code) {
      var address = new URL(code.getAttribute("data-embed"), location.href).href;
      code.textContent = code.textContent.replace(/src="[^"]*"/, 'src="' + address + '"');
    });
  }
})();
