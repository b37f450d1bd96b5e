// An address field as an ARIA 1.2 combobox (list autocomplete) over the offline BAN (/api/adresses): every
// input[data-address-combobox] (data-api: the search URL, data-list: its listbox's id, data-status: a live region).
// Choosing a suggestion writes its label into the field and fires « adresse-choisie » on the input, with the
// suggestion (label, lon, lat, commune, nom_commune) as event.detail: the page decides what else it fills.
// Without this script the field is plain text that the server geocodes when the form is sent.
// No suggestion text is ever written as HTML: textContent only.
(function () {
  "use strict";
  if (!window.fetch) { return; }
  document.querySelectorAll("input[data-address-combobox]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-list")),
        state = document.getElementById(input.getAttribute("data-status")),
        api = input.getAttribute("data-api");
    if (!list || !state) { return; }
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
      var item = items[i];
      input.value = item.label;
      close();
      state.textContent = item.kind_label + " choisie : " + item.label + ".";
      input.dispatchEvent(new CustomEvent("adresse-choisie", {detail: item}));
    }
    function render(results) {
      items = results;
      list.textContent = "";
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = input.id + "-opt-" + i;
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
  });
})();
