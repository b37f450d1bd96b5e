// The opening-hours editor (templates/espace/_fields.html, hours_field): each change of a day's slots, weeks or
// the holidays box asks the server for the OpenStreetMap text they make (/espace/horaires/apercu?field=…, the one
// place that writes it: mapapp.catalog.hours_editor) and writes it into the expert field, with the French preview.
// Typing in the expert field asks the other way: the editor is filled from the text, or set aside (disabled) with
// the reason when the text says more than the editor shows. Without this script the server reads the editor.
// Only textContent and input values are written: no text from the server becomes HTML.
(function () {
  "use strict";
  if (!window.fetch || !window.URLSearchParams) { return; }
  document.querySelectorAll("fieldset[data-hours-editor]").forEach(function (editor) {
    var name = editor.getAttribute("data-hours-editor"), url = editor.getAttribute("data-hours-preview");
    var text = document.getElementById("f-" + name), out = document.getElementById("f-" + name + "-preview");
    var initial = editor.form.querySelector("input[name='" + name + "-initial']");
    var timer = null, asked = 0;
    if (!text || !out) { return; }
    var reason = document.getElementById("f-" + name + "-reason");
    if (!reason) {
      reason = document.createElement("p");
      reason.className = "note";
      reason.id = "f-" + name + "-reason";
      reason.hidden = true;
      text.parentNode.insertBefore(reason, text.previousElementSibling.previousElementSibling);
    }
    function get(path) {
      var mine = ++asked;
      return fetch(url + "?" + path, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { return mine === asked ? data : null; })
        .catch(function () { return null; });
    }
    function fromEditor() {
      var params = new URLSearchParams();
      params.append("field", name);
      editor.querySelectorAll("input").forEach(function (input) {
        if (input.type === "hidden") { return; }
        if (input.type === "checkbox" ? input.checked : input.value) { params.append(input.name, input.value); }
      });
      get(params.toString()).then(function (data) {
        if (!data) { return; }
        if (data.ok) {
          text.value = data.expression;
          if (initial) { initial.value = data.expression; }  // the text is the editor's: not an expert's change
          out.textContent = data.expression ? "Aperçu : " + data.description : "Horaires non renseignés";
        } else {
          out.textContent = "À corriger : " + data.error;
        }
      });
    }
    function fill(model) {
      editor.querySelectorAll("input").forEach(function (input) {
        if (input.type === "hidden") { return; }
        var m = /^(.*)-(Mo|Tu|We|Th|Fr|Sa|Su)-(\d)-(debut|fin)$/.exec(input.name);
        if (m) {
          var day = model.days[m[2]], slot = day ? day.slots[parseInt(m[3], 10) - 1] : null;
          input.value = slot ? slot[m[4] === "fin" ? 1 : 0] : "";
          return;
        }
        var w = /^(.*)-(Mo|Tu|We|Th|Fr|Sa|Su)-semaines$/.exec(input.name);
        if (w) {
          var d = model.days[w[2]];
          input.checked = !!d && d.weeks.indexOf(parseInt(input.value, 10)) >= 0;
        } else if (input.name === name + "-feries") {
          input.checked = model.holidays_closed;
        } else if (input.name === name + "-h24") {
          input.checked = model.always_open;
        }
      });
    }
    function fromText() {
      var value = text.value.trim();
      get("expression=" + encodeURIComponent(value)).then(function (data) {
        if (!data) { return; }
        if (!data.ok) { out.textContent = "Horaires invalides : " + data.error; return; }
        out.textContent = value ? "Aperçu : " + data.description : "Horaires non renseignés";
        var editable = !!data.model;
        editor.disabled = !editable;
        editor.hidden = !editable;
        reason.hidden = editable;
        reason.textContent = editable ? "" : data.expert;
        if (editable) { fill(data.model); }
      });
    }
    editor.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(fromEditor, 150); });
    text.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fromText, 300); });
    // With this script the editor is usable even for text it could not show when the page was made:
    // it stays aside (the reason says why) until the text is one it can show.
  });
})();
