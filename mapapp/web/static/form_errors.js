// Error summary of a form (templates/_errors.html): focused on load so a screen reader reads it first,
// and each of its links moves the focus to its field (the first input of a group of checkboxes).
(function () {
  "use strict";
  var summary = document.querySelector("[data-focus-on-load]");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    var focusable = target.matches("input, select, textarea, button") ? target
      : target.querySelector("input, select, textarea, button");
    if (focusable) {
      event.preventDefault();
      var folded = focusable.closest("details");  // a field behind a closed « details » (the expert hours text)
      if (folded) { folded.open = true; }
      focusable.focus();
      target.scrollIntoView({block: "center"});
    }
  });
})();
