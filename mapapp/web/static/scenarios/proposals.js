// The proposals of a scenario page (best places, least-loss closures, bus stops) as numbered markers.
// Points come from the page's data attribute (JSON); names are set with textContent (never as HTML).
(function () {
  "use strict";
  var el = document.getElementById("proposals-map");
  if (!el || typeof L === "undefined") { return; }
  L.Control.Zoom.prototype.options.zoomInTitle = "Zoom avant";
  L.Control.Zoom.prototype.options.zoomOutTitle = "Zoom arrière";
  var map = L.map(el, { minZoom: 5, maxZoom: 16 });
  window.mapappBasemapFrom(map, el);
  var points = JSON.parse(el.getAttribute("data-points") || "[]"), bounds = [];
  points.forEach(function (p) {
    var m = L.circleMarker([p.lat, p.lon], { radius: 9, color: "#000091", weight: 2, fillColor: "#6a6af4", fillOpacity: 0.9 })
      .addTo(map);
    var box = document.createElement("div");
    box.textContent = p.rang + ". " + p.nom;
    m.bindTooltip(box, { permanent: true, direction: "right" });
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 12 }); } else { map.setView([46.5, 2.5], 6); }
})();
