// Live plain-French preview of opening hours (OpenStreetMap syntax), checked by the server.
(function () {
  "use strict";
  document.querySelectorAll("input[data-hours-preview]").forEach(function (input) {
    var out = document.getElementById(input.id + "-preview");
    var url = input.getAttribute("data-hours-preview");
    var timer = null;
    function update() {
      var value = input.value.trim();
      if (!value) { out.textContent = "Horaires non renseignés"; return; }
      fetch(url + "?expression=" + encodeURIComponent(value), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          out.textContent = data.ok ? "Aperçu : " + data.description : "Horaires invalides : " + data.error;
        })
        .catch(function () {});
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 300); });
  });
})();
