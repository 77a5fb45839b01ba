// An ARIA combobox for inputs whose suggestions arrive by htmx (the top bar's search):
// <input role="combobox" aria-controls="LIST"> and <div id="LIST" role="listbox">.
// Focus stays in the input; ArrowDown/ArrowUp move the active option (aria-activedescendant)
// through every enabled option, Enter opens it, Escape closes the list (and, when it is
// already closed, clears the input). The result count is announced by the live region the
// server's fragment updates (hx-swap-oob), not here.
(function () {
  "use strict";

  function options(list) {
    return Array.prototype.filter.call(
      list.querySelectorAll('[role="option"]'),
      function (el) { return el.getAttribute("aria-disabled") !== "true"; }
    );
  }

  function setup(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list || input.dataset.comboboxReady) return;
    input.dataset.comboboxReady = "1";
    var active = -1;

    function isOpen() { return list.children.length > 0 && !list.hidden; }

    function activate(index) {
      var all = options(list);
      all.forEach(function (el) { el.setAttribute("aria-selected", "false"); });
      active = all.length ? (index + all.length) % all.length : -1;
      if (active < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      var option = all[active];
      option.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }

    // New content (htmx swap) or emptied list: sync ids, expanded state, active option.
    function refresh() {
      options(list).forEach(function (el, i) {
        if (!el.id) el.id = list.id + "-option-" + i;
        el.setAttribute("aria-selected", "false");
        el.tabIndex = -1;
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      input.setAttribute("aria-expanded", isOpen() ? "true" : "false");
    }

    function close() {
      list.innerHTML = "";
    }

    new MutationObserver(refresh).observe(list, { childList: true });
    refresh();

    input.addEventListener("keydown", function (event) {
      var all = options(list);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!isOpen()) {
          if (input.value.trim() && window.htmx) window.htmx.trigger(input, "search");
          return;
        }
        if (!all.length) return;
        event.preventDefault();
        if (event.key === "ArrowDown") activate(active < 0 ? 0 : active + 1);
        else activate(active < 0 ? all.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (isOpen() && active >= 0 && all[active]) {
          event.preventDefault();
          var target = all[active];
          if (target.href) window.location.assign(target.href);
          else target.click();
        }
      } else if (event.key === "Escape") {
        event.preventDefault();
        if (isOpen()) {
          close();
        } else {
          input.value = "";
        }
      } else if (event.key === "Home" || event.key === "End") {
        active = -1;
        input.removeAttribute("aria-activedescendant");
      }
    });

    // Pointer users: hovering an option makes it the active one.
    list.addEventListener("mousemove", function (event) {
      var option = event.target.closest('[role="option"]');
      var index = options(list).indexOf(option);
      if (index >= 0 && index !== active) activate(index);
    });

    // A click anywhere else closes the list.
    document.addEventListener("click", function (event) {
      if (!event.target.closest || (event.target !== input && !list.contains(event.target))) {
        if (isOpen()) close();
      }
    });
  }

  function init() {
    document.querySelectorAll('input[role="combobox"][aria-controls]').forEach(setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
