// Map of a scenario's differences per commune: green where inhabitants come within the threshold, red where they
// leave it. Numbers only come from the server's JSON; names are set with textContent (never as HTML).
(function () {
  "use strict";
  var el = document.getElementById("diff-map"), select = document.getElementById("diff-select");
  var summary = document.getElementById("diff-summary");
  if (!el || !select || typeof L === "undefined") { return; }
  L.Control.Zoom.prototype.options.zoomInTitle = "Zoom avant";
  L.Control.Zoom.prototype.options.zoomOutTitle = "Zoom arrière";
  var map = L.map(el, { minZoom: 5, maxZoom: 16 });
  window.mapappBasemapFrom(map, el);
  var shapes = null, layer = null;

  function colour(net, max) {
    if (!net) { return "#ffffff"; }
    var t = Math.min(1, Math.abs(net) / (max || 1)), a = 0.25 + 0.75 * t;
    return net > 0 ? "rgba(26,127,55," + a + ")" : "rgba(201,37,44," + a + ")";
  }
  function draw(values) {
    if (layer) { map.removeLayer(layer); }
    var max = 0, gained = 0, lost = 0, touched = 0;
    Object.keys(values).forEach(function (k) {
      var v = values[k]; max = Math.max(max, Math.abs(v.gained - v.lost));
      gained += v.gained; lost += v.lost; if (v.gained || v.lost) { touched += 1; }
    });
    layer = L.geoJSON(shapes, {
      style: function (f) {
        var v = values[f.id] || { gained: 0, lost: 0 };
        return { color: "#555", weight: 0.6, fillOpacity: 0.8, fillColor: colour(v.gained - v.lost, max) };
      },
      onEachFeature: function (f, lyr) {
        var v = values[f.id] || { gained: 0, lost: 0 }, name = (f.properties && f.properties.nom) || f.id;
        var box = document.createElement("div");
        box.textContent = name + " : " + Math.round(v.gained) + " habitant(s) gagné(s), " + Math.round(v.lost) + " perdu(s)";
        lyr.bindTooltip(box);
      }
    }).addTo(map);
    if (!map._loaded) { map.fitBounds(layer.getBounds()); }
    if (summary) {
      summary.textContent = touched + " commune(s) changent : " + Math.round(gained) + " habitant(s) gagné(s), " +
        Math.round(lost) + " perdu(s) sous le seuil.";
    }
  }
  function load() {
    var parts = select.value.split("|");
    var base = el.getAttribute("data-url"), url = base + (base.indexOf("?") < 0 ? "?" : "&") + "mode=" + encodeURIComponent(parts[0]) + "&theme=" + encodeURIComponent(parts[1]);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { communes: {} }; })
      .then(function (data) { draw(data.communes || {}); });
  }
  fetch(el.getAttribute("data-communes-url"), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) { shapes = data; load(); });
  select.addEventListener("change", function () { if (shapes) { load(); } });
})();
