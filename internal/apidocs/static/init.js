// Renders the API reference from the spec URL on #docs with the vendored Redoc. Kept out of
// the page so that the Content-Security-Policy needs no inline script.
(function () {
  "use strict";
  var el = document.getElementById("docs");
  Redoc.init(el.getAttribute("data-spec-url"), {
    expandResponses: "200,201",
    jsonSamplesExpandLevel: 3,
    hideHostname: true,
    sortTagsAlphabetically: false,
    theme: { typography: { fontFamily: "system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif", headings: { fontFamily: "system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif" } } }
  }, el);
})();
