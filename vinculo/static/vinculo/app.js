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

// Behaviours declared by data attributes, with delegated listeners: the page's
// Content-Security-Policy runs no inline handlers (onchange=, onsubmit=, …).
(function () {
  "use strict";
  // <select data-autosubmit>: submit its form on change (the language switch).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLElement && target.matches("[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
  // <form data-confirm="Question?"> (or a submit button with it): ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = button instanceof HTMLElement && button.dataset.confirm !== undefined
      ? button.dataset.confirm
      : (form instanceof HTMLFormElement ? form.dataset.confirm : undefined);
    if (form instanceof HTMLFormElement && question !== undefined &&
        !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // <input data-select-on-focus>: select the whole value (a token to copy).
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.matches("[data-select-on-focus]")) {
      target.select();
    }
  });
})();
