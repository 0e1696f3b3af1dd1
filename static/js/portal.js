// Small behaviours for the whole portal, kept out of the HTML so the Content-Security-Policy can forbid
// inline scripts. Every page works without JavaScript too.
(function () {
  "use strict";
  // <select data-autosubmit> submits its form when changed.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });
  // <button data-confirm="question"> asks before submitting; <a data-confirm> before following.
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  // Buttons with data-print print the page (certificates).
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print]") : null;
    if (el) {
      event.preventDefault();
      window.print();
    }
  });
  // Bulk selection (form[data-bulk]): "select this page" ticks every row; once the page is ticked, "select all
  // matching" widens the selection to every row of the filter (the server reads the filter, not the ticks).
  function bulkUpdate(form) {
    var items = form.querySelectorAll("[data-bulk-item]");
    var ticked = form.querySelectorAll("[data-bulk-item]:checked").length;
    var page = form.querySelector("[data-bulk-page]");
    var all = form.querySelector("[data-bulk-all]");
    var matching = form.querySelector("[data-bulk-matching]");
    var note = form.querySelector("[data-bulk-matching-note]");
    var count = form.querySelector("[data-bulk-count]");
    var whole = items.length > 0 && ticked === items.length;
    if (page) { page.checked = whole; page.indeterminate = ticked > 0 && !whole; }
    if (!whole && all) { all.value = ""; }
    if (matching) { matching.classList.toggle("d-none", !whole || (all && all.value === "1")); }
    if (note) { note.classList.toggle("d-none", !(all && all.value === "1")); }
    if (count) { count.textContent = all && all.value === "1" ? "" : ticked + " / " + items.length; }
  }
  function bulkForm(el) {
    var id = el.getAttribute("form");
    return id ? document.getElementById(id) : el.closest("form[data-bulk]");
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches) { return; }
    if (el.matches("[data-bulk-page]")) {
      var form = bulkForm(el);
      form.querySelectorAll("[data-bulk-item]").forEach(function (box) { box.checked = el.checked; });
      bulkUpdate(form);
    } else if (el.matches("[data-bulk-item]")) {
      bulkUpdate(bulkForm(el));
    }
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-bulk-matching]") : null;
    if (el) {
      var form = bulkForm(el);
      form.querySelector("[data-bulk-all]").value = "1";
      bulkUpdate(form);
    }
  });
  document.querySelectorAll("form[data-bulk]").forEach(bulkUpdate);
  // The MIIT document's fields show only for the MIIT steps (without JavaScript they are always shown).
  function bulkMiit(form) {
    var action = form.querySelector("select[name=action]");
    var fields = form.querySelector("[data-bulk-miit]");
    if (action && fields) { fields.classList.toggle("d-none", action.value.indexOf("miit_") !== 0); }
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("form[data-bulk] select[name=action]")) { bulkMiit(el.form); }
  });
  document.querySelectorAll("form[data-bulk]").forEach(bulkMiit);
  // The menu marks the page you are on (aria-current), for screen readers and at a glance.
  document.querySelectorAll("#mainnav a.nav-link[href]").forEach(function (link) {
    if (link.getAttribute("href") === window.location.pathname) {
      link.setAttribute("aria-current", "page");
      link.classList.add("active");
    }
  });
  // A region that scrolls sideways (a wide table, a code sample) can be reached and scrolled with the keyboard.
  function focusableScrollers() {
    document.querySelectorAll(".table-responsive, pre").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) {
        el.setAttribute("tabindex", "0");
      } else if (el.getAttribute("tabindex") === "0") {
        el.removeAttribute("tabindex");
      }
    });
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
  // 适老化: the text-size control (standard / large), remembered in this browser.
  var root = document.documentElement;
  function applyTextSize(size) {
    root.classList.toggle("text-large", size === "large");
    document.querySelectorAll("[data-text-size]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-text-size") === size ? "true" : "false");
    });
  }
  var stored = null;
  try { stored = window.localStorage.getItem("portal-text-size"); } catch (e) { stored = null; }
  applyTextSize(stored === "large" ? "large" : "normal");
  document.querySelectorAll("[data-text-size-control]").forEach(function (el) { el.classList.remove("d-none"); });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-text-size]") : null;
    if (el) {
      var size = el.getAttribute("data-text-size");
      applyTextSize(size);
      try { window.localStorage.setItem("portal-text-size", size); } catch (e) { /* private mode: this page only */ }
      focusableScrollers();
    }
  });
})();
