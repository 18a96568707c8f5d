// A drawn signature for the consent form: pointer events on a <canvas>, written as a PNG data URL
// to the hidden signature_image field. No library. Without JavaScript, or for keyboard users, the
// typed name is the signature; the pad only appears when "Drawn on the screen" is chosen.
(function () {
  "use strict";
  var wrap = document.querySelector("[data-signature-pad]");
  if (!wrap) return;
  var canvas = wrap.querySelector("canvas");
  var field = document.querySelector("input[name='signature_image']");
  var clear = wrap.querySelector("[data-signature-clear]");
  var methods = document.querySelectorAll("input[name='signature_method']");
  var ctx = canvas.getContext("2d");
  var drawing = false;
  var drawn = false;

  ctx.lineWidth = 2.5;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#111";

  function point(event) {
    var box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (canvas.width / box.width),
      y: (event.clientY - box.top) * (canvas.height / box.height),
    };
  }

  function save() {
    field.value = drawn ? canvas.toDataURL("image/png") : "";
  }

  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    var p = point(event);
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
    ctx.lineTo(p.x + 0.1, p.y + 0.1);
    ctx.stroke();
    drawn = true;
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) return;
    event.preventDefault();
    var p = point(event);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
  });
  function stop() {
    if (!drawing) return;
    drawing = false;
    save();
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("pointerleave", stop);

  clear.addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    drawn = false;
    save();
  });

  function showForMethod() {
    var chosen = document.querySelector("input[name='signature_method']:checked");
    wrap.hidden = !chosen || chosen.value !== "drawn";
  }
  for (var i = 0; i < methods.length; i++) {
    methods[i].addEventListener("change", showForMethod);
  }
  showForMethod();
})();
