// « Trouver une offre » : « Utiliser ma position » fills the hidden lon/lat fields and empties the commune.
// Loaded as a file (the contributors' CSP forbids inline scripts); without it the commune field still works.
(function () {
  "use strict";
  var button = document.getElementById("t-position");
  if (!button || !navigator.geolocation) { return; }
  var lon = document.getElementById("t-lon"), lat = document.getElementById("t-lat"),
      commune = document.getElementById("t-commune"), state = document.getElementById("t-position-etat");
  button.hidden = false;
  commune.addEventListener("input", function () { if (commune.value) { lon.value = ""; lat.value = ""; } });
  button.addEventListener("click", function () {
    state.textContent = "Recherche de votre position…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      lon.value = pos.coords.longitude.toFixed(5);
      lat.value = pos.coords.latitude.toFixed(5);
      commune.value = "";
      state.textContent = "Position trouvée : lancez la recherche.";
    }, function () {
      state.textContent = "Position indisponible : indiquez une commune.";
    }, {timeout: 10000});
  });
})();

// The address field is the shared combobox (static/address_combobox.js): choosing a suggestion empties the
// commune and the position, since the address now says where.
(function () {
  "use strict";
  var input = document.getElementById("t-adresse");
  if (!input) { return; }
  var commune = document.getElementById("t-commune"), lon = document.getElementById("t-lon"),
      lat = document.getElementById("t-lat");
  input.addEventListener("adresse-choisie", function () {
    if (commune) { commune.value = ""; }
    if (lon) { lon.value = ""; lat.value = ""; }
  });
})();
