// Place a site on a small Leaflet map: a click fills the longitude and latitude fields and shows the commune;
// so does choosing an address among the suggestions of the address field (static/address_combobox.js), which
// also splits the BAN label into the street (« 12 Rue de la Paix ») and the postcode.
// No user text is ever written into the page as HTML: only numbers and textContent.
(function () {
  "use strict";
  var el = document.getElementById("point-map");
  if (!el || typeof L === "undefined") { return; }
  var lon = document.getElementById("f-lon"), lat = document.getElementById("f-lat");
  var communeOut = document.getElementById("commune-name");
  L.Control.Zoom.prototype.options.zoomInTitle = "Zoom avant";
  L.Control.Zoom.prototype.options.zoomOutTitle = "Zoom arrière";
  var map = L.map(el, { minZoom: 5, maxZoom: 18 });
  window.mapappBasemapFrom(map, el);  // tiles of MAPAPP_TILES, or the communes' fallback (static/basemap.js)
  var marker = null;

  function num(input) {
    var v = parseFloat(String(input.value || "").replace(",", "."));
    return isFinite(v) ? v : null;
  }
  function place(latValue, lonValue) {
    if (marker) { marker.setLatLng([latValue, lonValue]); }
    else { marker = L.marker([latValue, lonValue], { title: "Emplacement du lieu", keyboard: true }).addTo(map); }
  }
  function showCommune(lonValue, latValue) {
    if (!communeOut) { return; }
    var url = el.getAttribute("data-commune-url") + "?lon=" + encodeURIComponent(lonValue) + "&lat=" + encodeURIComponent(latValue);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        communeOut.textContent = data.code ? data.nom + " (" + data.code + ")" : (data.message || "—");
      })
      .catch(function () { /* offline: the server derives the commune on save */ });
  }

  var s = parseFloat(el.getAttribute("data-south")), w = parseFloat(el.getAttribute("data-west"));
  var n = parseFloat(el.getAttribute("data-north")), e = parseFloat(el.getAttribute("data-east"));
  var x = num(lon), y = num(lat);
  if (x !== null && y !== null) {
    place(y, x);
    map.setView([y, x], 14);
  } else if (isFinite(s) && isFinite(w) && isFinite(n) && isFinite(e)) {
    map.fitBounds([[s, w], [n, e]]);
  } else {
    map.fitBounds([[41.3, -5.2], [51.1, 9.6]]);
  }
  map.on("click", function (ev) {
    var la = Math.round(ev.latlng.lat * 1e6) / 1e6, lo = Math.round(ev.latlng.lng * 1e6) / 1e6;
    lat.value = String(la);
    lon.value = String(lo);
    place(la, lo);
    showCommune(lo, la);
  });
  var address = document.getElementById("f-adresse"), postcode = document.getElementById("f-code_postal");
  if (address) {
    address.addEventListener("adresse-choisie", function (ev) {
      var item = ev.detail, parts = item.label.split(", ");
      if (parts.length > 1 && item.kind !== "commune") {
        var town = parts.pop(), code = /^(\d{5})\b/.exec(town);
        address.value = parts.join(", ");
        if (code && postcode) { postcode.value = code[1]; }
      }
      var la = Math.round(item.lat * 1e6) / 1e6, lo = Math.round(item.lon * 1e6) / 1e6;
      lat.value = String(la);
      lon.value = String(lo);
      place(la, lo);
      map.setView([la, lo], 16);
      showCommune(lo, la);
    });
  }
  [lon, lat].forEach(function (input) {
    input.addEventListener("change", function () {
      var a = num(lon), b = num(lat);
      if (a !== null && b !== null) { place(b, a); map.panTo([b, a]); showCommune(a, b); }
    });
  });
})();
