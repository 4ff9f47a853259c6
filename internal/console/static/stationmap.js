// stationmap.js — the stations of the list's filter on a map, clustered. The points come from
// the element's data-src as {"crs", "more", "items": [[lat, lng, id, name, status], …]}, already
// in the tiles' CRS. Texts come from the status line's data attributes (the catalogue).
(function () {
  'use strict';
  var el = document.getElementById('map');
  var status = document.getElementById('map-status');
  if (!el || !window.L || !window.YizhanMap) { return; }
  var map = YizhanMap.create(el);
  var msg = status.dataset;

  function popup(it) {
    var box = document.createElement('div');
    var a = document.createElement('a');
    a.href = '/console/stations/' + it[2];
    a.textContent = it[3];
    var s = document.createElement('div');
    s.className = 'hint';
    s.textContent = msg['status' + it[4].charAt(0).toUpperCase() + it[4].slice(1)] || it[4];
    box.appendChild(a);
    box.appendChild(s);
    return box;
  }

  fetch(el.dataset.src, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then(function (res) {
      if (!res.ok) { throw new Error('HTTP ' + res.status); }
      return res.json();
    })
    .then(function (data) {
      var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 60, disableClusteringAtZoom: 17 });
      var markers = data.items.map(function (it) {
        var m = L.marker([it[0], it[1]], { title: it[3], keyboard: false });
        m.bindPopup(function () { return popup(it); });
        return m;
      });
      cluster.addLayers(markers);
      map.addLayer(cluster);
      if (markers.length > 0) { map.fitBounds(cluster.getBounds(), { maxZoom: 15, padding: [30, 30], animate: false }); }
      status.textContent = (data.more ? msg.more : msg.count).replace('%d', String(markers.length));
      // The benchmark waits for this: the markers are drawn in the next frame.
      requestAnimationFrame(function () {
        requestAnimationFrame(function () {
          el.dataset.renderedMs = String(Math.round(performance.now()));
          el.dataset.ready = '1';
        });
      });
    })
    .catch(function (err) {
      console.error('station map:', err);
      status.textContent = msg.failed;
      status.classList.add('field-error');
    });
})();
