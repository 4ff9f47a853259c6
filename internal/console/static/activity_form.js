// The activity form's place: shows the station picker or the address fields, whichever of 在驿站 /
// 在其他地址 is chosen. Without script both stay visible and the form works the same.
(function () {
  "use strict";
  var radios = document.querySelectorAll("input[name=place_kind]");
  var station = document.getElementById("place-station");
  var address = document.getElementById("place-address");
  if (!radios.length || !station || !address) {
    return;
  }
  function show() {
    var kind = document.querySelector("input[name=place_kind]:checked");
    var atAddress = kind && kind.value === "address";
    station.classList.toggle("hidden", atAddress);
    address.classList.toggle("hidden", !atAddress);
  }
  for (var i = 0; i < radios.length; i++) {
    radios[i].addEventListener("change", show);
  }
  show();
})();
