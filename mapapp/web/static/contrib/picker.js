// The zone picker (templates/espace/_fields.html, codes_picker): a search box filters the list of communes and
// intercommunalités, a click toggles an entry without Ctrl, and the choices are listed under the box.
// Without this script the list is a plain multiple select.
(function () {
  "use strict";
  document.querySelectorAll("select[data-picker]").forEach(function (select) {
    var search = document.createElement("input"), label = document.createElement("label"),
        chosen = document.createElement("p");
    search.type = "search";
    search.id = select.id + "-recherche";
    search.setAttribute("aria-controls", select.id);
    label.htmlFor = search.id;
    label.textContent = "Rechercher dans la liste";
    chosen.className = "picker-chosen";
    chosen.id = select.id + "-choisis";
    chosen.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(search, select);
    select.parentNode.insertBefore(chosen, select.nextSibling);
    select.setAttribute("aria-describedby", chosen.id);
    function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
    function show() {
      var names = [];
      Array.prototype.forEach.call(select.options, function (o) { if (o.selected) { names.push(o.textContent); } });
      chosen.textContent = names.length ? "Choisis : " + names.join(", ") : "Aucun choix dans la liste.";
    }
    search.addEventListener("input", function () {
      var wanted = fold(search.value.trim());
      Array.prototype.forEach.call(select.options, function (o) {
        o.hidden = !!wanted && fold(o.textContent).indexOf(wanted) < 0;
      });
    });
    select.addEventListener("mousedown", function (e) {
      var option = e.target.closest("option");
      if (!option) { return; }
      e.preventDefault();
      option.selected = !option.selected;
      select.focus();
      show();
    });
    select.addEventListener("change", show);
    show();
  });
})();
