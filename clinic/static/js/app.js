// Chairside: countdowns, the chair board's refresh, and a few conveniences. No inline script (CSP).
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tickCountdowns() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(end)) { return; }
      var left = Math.round((end - now) / 1000);
      if (left <= 0) {
        el.textContent = "Observation period over";
      } else {
        var m = Math.floor(left / 60), s = left % 60;
        el.textContent = m + ":" + pad(s) + " left";
      }
    });
  }

  function refreshBoard() {
    var board = document.getElementById("board");
    if (!board) { return; }
    var url = board.getAttribute("data-refresh-url");
    var seconds = parseInt(board.getAttribute("data-refresh-seconds"), 10) || 30;
    setInterval(function () {
      fetch(url, { headers: { "X-Chairside-Poll": "1" }, credentials: "same-origin" })
        .then(function (r) {
          if (r.redirected || r.status === 401) { window.location.reload(); return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) {
          if (html !== null && html !== undefined) { board.innerHTML = html; tickCountdowns(); }
        })
        .catch(function () {
          var status = document.getElementById("board-status");
          if (status) { status.textContent = "Could not refresh; will try again."; }
        });
    }, seconds * 1000);
  }

  function autosubmit() {
    document.querySelectorAll("form.js-autosubmit select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // --- Check-in (issue 22, 23) ---------------------------------------------------------------------------
  // Choosing the drug shows its protocol for this patient (dose, plan, checks, premedications), open, hides
  // the other drugs' and fills the dose, unit, product and rate plan in place. Without JavaScript the page
  // lists every drug's protocol as a closed disclosure and one submit takes the protocol's values.
  function checkInProtocol() {
    var form = document.getElementById("check-in");
    if (!form) { return; }
    var pick = form.querySelector("#drug");
    function filterOptions(select, allowed, keepEmpty) {
      if (!select) { return; }
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var show = (keepEmpty && option.value === "") || allowed.indexOf(option.value) !== -1;
        option.hidden = !show;
        option.disabled = !show;
        if (show && first === null) { first = option; }
      });
      // A drug's group of products goes with its products.
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      if (select.selectedOptions.length && select.selectedOptions[0].disabled && first) { select.value = first.value; }
    }
    function show() {
      var chosen = null;
      form.querySelectorAll("[data-protocol]").forEach(function (panel) {
        var match = panel.getAttribute("data-protocol") === pick.value;
        panel.hidden = !match;
        if (match) { chosen = panel; panel.open = true; }
      });
      if (!chosen) { return; }
      var basis = chosen.getAttribute("data-basis");
      form.querySelectorAll(".by-measure").forEach(function (el) { el.hidden = basis === "fixed"; });
      form.querySelectorAll(".by-surface").forEach(function (el) { el.hidden = basis !== "per_m2"; });
      // What the nurse typed stays; what this script filled follows the drug chosen.
      var perField = form.querySelector("#dose_per");
      if (filled(perField)) {
        perField.value = basis === "fixed" ? "" : chosen.getAttribute("data-per");
        perField.setAttribute("data-filled", "1");
      }
      var dose = form.querySelector("#dose");
      if (filled(dose)) {
        // A dose by weight or surface is worked out by the server from the order and the measurements.
        dose.value = basis === "fixed" ? chosen.getAttribute("data-dose") : "";
        dose.setAttribute("data-filled", "1");
      }
      var unit = form.querySelector("#dose_unit");
      if (unit) { unit.value = chosen.getAttribute("data-unit"); }
      filterOptions(form.querySelector("#product"), chosen.getAttribute("data-products").split(" "), false);
      filterOptions(form.querySelector("#rate_plan"), chosen.getAttribute("data-plans").split(" "), true);
    }
    function filled(field) { return field && (!field.value || field.getAttribute("data-filled") === "1"); }
    ["#dose", "#dose_per"].forEach(function (selector) {
      var field = form.querySelector(selector);
      if (field) { field.addEventListener("input", function () { field.removeAttribute("data-filled"); }); }
    });
    pick.addEventListener("change", show);
    show();
  }

  function idleLogout() {
    // The server enforces the timeout; this only takes the screen to the login page when it passes.
    var minutes = parseFloat(document.body.getAttribute("data-idle-minutes"));
    if (!minutes || !document.querySelector(".user-box")) { return; }
    var timer;
    function arm() {
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.reload(); }, (minutes * 60 + 5) * 1000);
    }
    ["keydown", "pointerdown"].forEach(function (e) { document.addEventListener(e, arm, { passive: true }); });
    arm();
  }

  // Catalog form: after a refusal the summary of what to fix gets the focus; after "Add …" the new row's
  // first field does (the page came back at the list's fragment).
  function catalogFocus() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); return; }
    var list = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (!list || !/-list$/.test(list.id) || !document.querySelector("form.drug-form")) { return; }
    var rows = list.querySelectorAll(":scope > fieldset, :scope > .field");
    var last = rows.length ? rows[rows.length - 1] : list;
    var field = last.querySelector("input:not([type=hidden]):not([type=checkbox]), select");
    if (field) { field.focus(); }
  }

  // --- Session page (issue 23) ------------------------------------------------------------------------------
  // Undo end is offered for ten minutes after the end was charted: the button goes when they are over (the
  // server refuses it after that anyway, with a message).
  function undoEndWindow() {
    var form = document.getElementById("undo_end");
    if (!form) { return; }
    var left = Date.parse(form.getAttribute("data-until")) - Date.now();
    if (isNaN(left)) { return; }
    setTimeout(function () { form.hidden = true; }, Math.max(left, 0));
  }

  // A disclosure named by the address (a link to #end-infusion, #amendments …) opens, so the link lands on
  // its form rather than on a closed summary.
  function openNamedDisclosure() {
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }

  // After a refusal the first wrong field has the focus (autofocus, no script needed); going to the page's
  // fragment can take it back, so give it again once the page has loaded.
  function sessionFocus() {
    if (!document.querySelector("form.action-form")) { return; }
    var wrong = document.querySelector("main [autofocus]");
    if (wrong && document.activeElement !== wrong) { wrong.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    undoEndWindow();
    openNamedDisclosure();
    tickCountdowns();
    setInterval(tickCountdowns, 1000);
    refreshBoard();
    autosubmit();
    checkInProtocol();
    idleLogout();
  });
  // After the load: going to the fragment would otherwise take the focus back to the page.
  window.addEventListener("load", function () { setTimeout(catalogFocus, 0); setTimeout(sessionFocus, 0); });
})();
