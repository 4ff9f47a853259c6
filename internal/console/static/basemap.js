// basemap.js — the console's Leaflet map, set up from the map element's data attributes:
// data-tiles (a URL template, or empty for a plain background), data-subdomains, data-crs
// (the CRS the tiles are drawn in: the map's coordinates are in it), data-lat, data-lng,
// data-zoom. No inline script or style: the CSP forbids both.
(function () {
  'use strict';
  // tilesOff draws the plain background and shows the note beside the map, if any.
  function tilesOff(el) {
    el.classList.add('tiles-off');
    var note = document.getElementById(el.id + '-note');
    if (note) { note.classList.remove('hidden'); }
  }
  window.YizhanMap = {
    create: function (el) {
      var d = el.dataset;
      var center = [parseFloat(d.lat) || 29.452, parseFloat(d.lng) || 119.892];
      var map = L.map(el, { center: center, zoom: parseInt(d.zoom, 10) || 12, minZoom: 4, maxZoom: 18 });
      if (d.tiles) {
        var failed = 0;
        var layer = L.tileLayer(d.tiles, {
          subdomains: d.subdomains || 'abc', maxZoom: 18, minZoom: 4,
          attribution: d.crs === 'gcj02' ? '© 高德地图' : '© OpenStreetMap'
        });
        // Offline, the map still works on the plain background.
        layer.on('tileerror', function () {
          failed++;
          if (failed === 4) { tilesOff(el); }
        });
        layer.addTo(map);
      } else {
        tilesOff(el);
      }
      map.attributionControl.setPrefix(false);
      return map;
    }
  };
})();
