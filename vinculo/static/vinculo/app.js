// Small behaviours the server cannot do: the search shortcut and closing the result list.
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
    } else if (event.key === "Escape" && target === box) {
      box.value = "";
      document.getElementById("search-results").innerHTML = "";
      box.blur();
    } else if (event.key === "ArrowDown" && target === box) {
      var first = document.querySelector("#search-results a");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });
  document.addEventListener("click", function (event) {
    var results = document.getElementById("search-results");
    if (results && !event.target.closest(".globalsearch")) results.innerHTML = "";
  });
})();
