// picker.js — the map of a station's page and of its form. On the form (data-edit) a click
// or a drag places the point and fills the latitude and longitude inputs, in the tiles' CRS;
// coordinates typed in that CRS move the marker. The server converts to WGS-84.
(function () {
  'use strict';
  var el = document.getElementById('picker') || document.getElementById('map');
  if (!el || !window.L || !window.YizhanMap) { return; }
  var map = YizhanMap.create(el);
  var edit = el.dataset.edit === '1';
  var marker = null;
  if (el.dataset.marker === '1') {
    marker = L.marker(map.getCenter(), { draggable: edit, keyboard: false }).addTo(map);
  }
  if (!edit) { return; }

  var latIn = document.getElementById('lat');
  var lngIn = document.getElementById('lng');
  var crsSel = document.getElementById('crs');
  var crs = el.dataset.crs;

  function fill(ll) {
    latIn.value = ll.lat.toFixed(7);
    lngIn.value = ll.lng.toFixed(7);
    crsSel.value = crs;
  }
  function place(ll) {
    if (!marker) {
      marker = L.marker(ll, { draggable: true, keyboard: false }).addTo(map);
      marker.on('dragend', function () { fill(marker.getLatLng()); });
    } else {
      marker.setLatLng(ll);
    }
    fill(ll);
  }
  if (marker) { marker.on('dragend', function () { fill(marker.getLatLng()); }); }
  map.on('click', function (e) { place(e.latlng); });

  function typed() {
    if (crsSel.value !== crs) { return; } // another CRS: the server converts it
    var lat = parseFloat(latIn.value), lng = parseFloat(lngIn.value);
    if (!isFinite(lat) || !isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) { return; }
    var ll = L.latLng(lat, lng);
    if (!marker) { place(ll); } else { marker.setLatLng(ll); }
    map.panTo(ll);
  }
  latIn.addEventListener('change', typed);
  lngIn.addEventListener('change', typed);
  el.dataset.ready = '1';
})();
