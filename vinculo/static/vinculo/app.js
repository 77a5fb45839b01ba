// Small behaviours the server cannot do: the search shortcut.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
    var box = document.getElementById("global-search");
    if (!box) return;
    if ((event.key === "/" && !typing) || ((event.ctrlKey || event.metaKey) && event.key === "k")) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
  // The search box's list, arrow keys and Escape: combobox.js.
})();
