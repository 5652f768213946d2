// Backbone's public site: draw each chart interactive where scripts run (the drawn image stays where they do not),
// and give each embed snippet this site's own address when the publisher set none.
(function () {
  "use strict";
  var specs = window.BACKBONE_CHARTS || {};
  var figures = document.querySelectorAll("figure[data-chart]");
  Array.prototype.forEach.call(figures, function (figure) {
    var spec = specs[figure.getAttribute("data-chart")];
    var live = figure.querySelector(".chart-live");
    if (!spec || !live || typeof window.vegaEmbed !== "function") return;
    window.vegaEmbed(live, spec, { actions: false, renderer: "svg" }).then(function () {
      figure.classList.add("is-live");
    }).catch(function () { /* the drawn image stays */ });
  });
  if (location.protocol === "http:" || location.protocol === "https:") {
    var codes = document.querySelectorAll("code[data-embed]:not([data-base])");
    Array.prototype.forEach.call(codes, function (code) {
      var address = new URL(code.getAttribute("data-embed"), location.href).href;
      code.textContent = code.textContent.replace(/src="[^"]*"/, 'src="' + address + '"');
    });
  }
})();
