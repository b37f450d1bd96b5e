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

// The address field as an ARIA 1.2 combobox (list autocomplete) over /api/adresses. Without this script it is a
// plain text field that the server geocodes when the form is sent (the same ranking picks the same address).
(function () {
  "use strict";
  var input = document.getElementById("t-adresse");
  if (!input || !window.fetch) { return; }
  var list = document.getElementById("t-adresse-liste"), state = document.getElementById("t-adresse-etat"),
      commune = document.getElementById("t-commune"), lon = document.getElementById("t-lon"),
      lat = document.getElementById("t-lat"), api = input.getAttribute("data-api");
  var items = [], active = -1, timer = null, asked = 0;
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function highlight(i) {
    var options = list.querySelectorAll("[role=option]");
    for (var k = 0; k < options.length; k++) { options[k].setAttribute("aria-selected", k === i ? "true" : "false"); }
    active = i;
    if (i >= 0) {
      input.setAttribute("aria-activedescendant", options[i].id);
      if (options[i].scrollIntoView) { options[i].scrollIntoView({block: "nearest"}); }
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function choose(i) {
    input.value = items[i].label;
    if (commune) { commune.value = ""; }
    if (lon) { lon.value = ""; lat.value = ""; }
    close();
    state.textContent = items[i].kind_label + " choisie : " + items[i].label + ".";
  }
  function render(results) {
    items = results;
    list.textContent = "";
    results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.id = "t-adresse-opt-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = r.label;
      var kind = document.createElement("span");
      kind.className = "genre";
      kind.textContent = " – " + r.kind_label.toLowerCase();
      li.appendChild(kind);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    active = -1;
    if (results.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      state.textContent = results.length + (results.length > 1 ? " suggestions" : " suggestion")
        + " : flèche vers le bas pour les parcourir.";
    } else {
      close();
      state.textContent = "Aucune adresse trouvée pour ce texte.";
    }
  }
  function ask() {
    var text = input.value.trim(), mine = ++asked;
    if (text.length < 3) { items = []; close(); return; }
    fetch(api + "?q=" + encodeURIComponent(text), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) { if (mine === asked) { render(data.results || []); } })
      .catch(function () { if (mine === asked) { close(); } });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("keydown", function (e) {
    var open = !list.hidden;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!items.length) { return; }
      if (!open) { list.hidden = false; input.setAttribute("aria-expanded", "true"); highlight(0); return; }
      highlight(active + 1 >= items.length ? 0 : active + 1);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (!items.length) { return; }
      if (!open) { list.hidden = false; input.setAttribute("aria-expanded", "true"); highlight(items.length - 1); return; }
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === "Enter" && open && active >= 0) {
      e.preventDefault();  // choose, do not send the form yet
      choose(active);
    } else if (e.key === "Escape") {
      if (open) { e.preventDefault(); close(); } else if (input.value) { e.preventDefault(); input.value = ""; }
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
