// coverage.js — the coverage page's map: demand cells coloured by count (covered
// green, gaps from light to dark red), the box analysed, and the suggested sites as
// numbered markers. Data from data-src (coverage/map.json, in the tiles' CRS). The
// "按当前地图范围分析" button puts the map's view into the form's box and submits it.
(function () {
  'use strict';
  var el = document.getElementById('coverage-map');
  var form = document.getElementById('coverage-form');
  var useView = document.getElementById('coverage-use-view');
  if (!el) { return; }
  var status = document.getElementById('coverage-map-status');
  var map = window.YizhanMap.create(el);
  var d = el.dataset;
  if (useView && form) {
    useView.classList.remove('hidden');
    useView.addEventListener('click', function () {
      var b = map.getBounds();
      var f = function (v) { return v.toFixed(5); };
      document.getElementById('coverage-bbox').value = [f(b.getWest()), f(b.getSouth()), f(b.getEast()), f(b.getNorth())].join(',');
      document.getElementById('coverage-bbox-crs').value = d.crs || 'wgs84';
      form.submit();
    });
  }
  function fmt(s) {
    var args = Array.prototype.slice.call(arguments, 1);
    return s.replace(/%d/g, function () { return String(args.shift()); });
  }
  fetch(d.src, { credentials: 'same-origin' }).then(function (r) {
    if (!r.ok) { throw new Error(r.status); }
    return r.json();
  }).then(function (data) {
    var max = 1;
    data.cells.forEach(function (c) { if (!c[1] && c[0] > max) { max = c[0]; } });
    var cells = L.featureGroup();
    data.cells.forEach(function (c) {
      var ring = [[c[2], c[3]], [c[4], c[5]], [c[6], c[7]], [c[8], c[9]]];
      var t = Math.sqrt(c[0] / max);
      var style = c[1]
        ? { color: '#4d9a63', weight: 1, fillColor: '#9ad0a8', fillOpacity: 0.35 }
        : { color: '#a50f15', weight: 1, fillColor: 'rgb(' + Math.round(252 - 49 * t) + ',' + Math.round(187 - 163 * t) + ',' + Math.round(161 - 132 * t) + ')', fillOpacity: 0.7 };
      L.polygon(ring, style).bindPopup(fmt(d.cell, c[0])).addTo(cells);
    });
    cells.addTo(map);
    var box = L.rectangle(data.box, { color: '#1f2937', weight: 2, dashArray: '6 4', fill: false, interactive: false }).addTo(map);
    data.sites.forEach(function (s, i) {
      var icon = L.divIcon({ className: 'site-icon', html: String(i + 1), iconSize: [26, 26] });
      L.marker([s[0], s[1]], { icon: icon, zIndexOffset: 1000 }).bindPopup(fmt(d.site, i + 1, s[2])).addTo(map);
    });
    map.fitBounds(box.getBounds(), { padding: [8, 8] });
    status.classList.add('hidden');
  }).catch(function () {
    status.textContent = d.failed;
  });
})();
