// The redeem counter's camera: where the browser has BarcodeDetector (Chrome on Android, Safari
// 17+ on some devices), a 扫二维码 button reads the worker's QR code (yizhan:claim:XXXXXXXX), fills
// the code and submits the form. Elsewhere the button stays hidden and staff type the code.
(function () {
  "use strict";
  var button = document.getElementById("scan");
  var form = document.getElementById("redeem-form");
  if (!button || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var input = document.getElementById("code");
  var box = document.getElementById("scanner");
  var video = document.getElementById("scan-video");
  var failed = document.getElementById("scan-failed");
  var label = button.textContent;
  var stream = null;
  var timer = 0;
  button.classList.remove("hidden");

  function stop() {
    if (timer) { window.clearTimeout(timer); timer = 0; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.srcObject = null;
    box.classList.add("hidden");
    button.textContent = label;
  }

  function fail() {
    stop();
    failed.classList.remove("hidden");
    input.focus();
  }

  function start() {
    failed.classList.add("hidden");
    var detector;
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (e) {
      fail();
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      box.classList.remove("hidden");
      button.textContent = button.getAttribute("data-stop");
      return video.play();
    }).then(function () {
      var look = function () {
        if (!stream) { return; }
        detector.detect(video).then(function (codes) {
          for (var i = 0; i < codes.length; i++) {
            var v = String(codes[i].rawValue || "");
            if (v.indexOf("yizhan:claim:") === 0) {
              input.value = v.slice("yizhan:claim:".length);
              stop();
              form.submit();
              return;
            }
          }
          timer = window.setTimeout(look, 250);
        }, function () { timer = window.setTimeout(look, 500); });
      };
      look();
    }).catch(fail);
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); } else { start(); }
  });
  window.addEventListener("pagehide", stop);
})();
