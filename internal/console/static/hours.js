// hours.js — the hours editor: the weekly grid is hidden while "24 小时开放" is chosen (its
// inputs are kept and still sent; the server ignores them then). Without script both show.
(function () {
  'use strict';
  var weekly = document.getElementById('weekly');
  var radios = document.querySelectorAll('input[name=hours_mode]');
  if (!weekly || radios.length === 0) { return; }
  function update() {
    var always = document.querySelector('input[name=hours_mode][value=always]');
    weekly.classList.toggle('hidden', !!(always && always.checked));
  }
  for (var i = 0; i < radios.length; i++) { radios[i].addEventListener('change', update); }
  update();
})();
