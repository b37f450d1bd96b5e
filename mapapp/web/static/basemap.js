// The background of every map: the tiles of MAPAPP_TILES, and a fallback drawn from the territory's own
// communes (outlines and names) when there is no tile source (« aucun ») or when its tiles fail to load
// (offline, intranet, server down), so that no map is ever a blank grey rectangle.
// Commune names are written with textContent, never parsed as HTML.
(function () {
  "use strict";

  // Names appear as one zooms in, the most populated communes of the territory first:
  // [number of communes, from zoom], by rank of population.
  var LABEL_STEPS = [[12, 0], [50, 10], [Infinity, 11]];
  function labelMinZoom(rank) {
    for (var i = 0; i < LABEL_STEPS.length; i++) {
      if (rank < LABEL_STEPS[i][0]) { return LABEL_STEPS[i][1]; }
    }
    return 11;
  }

  function drawFallback(map, communesUrl) {
    if (map._mapappFallback) { return; }
    map._mapappFallback = true;
    map.getContainer().classList.add("mapapp-fallback");
    // Under the tiles (tilePane is 200): tiles that do load cover the fallback, missing ones show it.
    var outlinePane = map.createPane("mapappFallback");
    outlinePane.style.zIndex = 150;
    var labelPane = map.createPane("mapappFallbackLabels");
    labelPane.style.zIndex = 160;
    labelPane.style.pointerEvents = "none";
    var labels = L.layerGroup();
    var entries = [];
    fetch(communesUrl, { headers: { "Accept": "application/geo+json, application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.features) { return; }
        L.geoJSON(data, {
          pane: "mapappFallback", interactive: false,
          style: function () { return { color: "#7a7a7a", weight: 1, fillColor: "#fbfaf5", fillOpacity: 1 }; }
        }).addTo(map);
        var named = data.features.filter(function (f) {
          var p = f.properties || {};
          return p.nom && typeof p.point_lat === "number" && typeof p.point_lon === "number";
        });
        named.sort(function (a, b) { return (b.properties.population || 0) - (a.properties.population || 0); });
        named.forEach(function (f, rank) {
          var p = f.properties;
          var span = document.createElement("span");
          span.textContent = p.nom;
          var marker = L.marker([p.point_lat, p.point_lon], {
            pane: "mapappFallbackLabels", interactive: false, keyboard: false,
            icon: L.divIcon({ html: span, className: "mapapp-commune-label", iconSize: null })
          });
          entries.push({ marker: marker, minZoom: labelMinZoom(rank) });
        });
        function update() {
          var z = map.getZoom();
          entries.forEach(function (e) {
            if (z >= e.minZoom) { labels.addLayer(e.marker); } else { labels.removeLayer(e.marker); }
          });
        }
        labels.addTo(map);
        update();
        map.on("zoomend", update);
      })
      .catch(function () { /* no communes either: the data layers are still drawn */ });
  }

  // map: an L.Map; config: {tiles: null | {url, attribution, maxZoom, subdomains}}; communesUrl: GeoJSON.
  window.mapappBasemap = function (map, config, communesUrl) {
    var tiles = config && config.tiles;
    if (!tiles) { drawFallback(map, communesUrl); return; }
    var layer = L.tileLayer(tiles.url, {
      attribution: tiles.attribution, maxZoom: tiles.maxZoom, subdomains: tiles.subdomains
    });
    layer.on("tileerror", function () { drawFallback(map, communesUrl); });
    layer.addTo(map);
  };

  // Maps of the strict pages (no inline script): <div data-basemap="{json}" data-communes-url="…">.
  window.mapappBasemapFrom = function (map, el) {
    var config = null;
    try { config = JSON.parse(el.getAttribute("data-basemap") || "null"); } catch (e) { config = null; }
    window.mapappBasemap(map, config || { tiles: null }, el.getAttribute("data-communes-url"));
  };
})();
