/* The entry grids (二、三、四) as a small spreadsheet.

   - Tab / Enter / arrow keys move between cells; pasting tab-separated rows from Excel or WPS
     fills consecutive cells, and says what did not fit.
   - A total cell (each row's 总计, （七）总计, 四's 总计) fills in from its parts while it is
     "automatic"; typing into it makes it the user's value (then a mismatch is flagged);
     clearing it makes it automatic again.
   - Every cell is read while typing, and every blocking rule is checked live.

   Nothing here is a copy of the server's knowledge: the page embeds #grid-config
   (annual.forms.sections.grid_config) with each cell's kind, the blank tokens and number
   patterns of annual/normalize.py, the messages, and the blocking checks of annual/rules.py
   (sum of parts must equal sum of targets), cells numbered in page order. The server reads
   every value again at each save; its reading is what gets saved. */
(function () {
  "use strict";
  var grid = document.querySelector("[data-grid]");
  var configEl = document.getElementById("grid-config");
  if (!grid || !configEl) return;
  var config = JSON.parse(configEl.textContent);
  var form = document.getElementById("step-form");
  var readonly = form && form.hasAttribute("data-readonly");
  var messages = config.messages;
  var BLANK = {};
  config.blank.forEach(function (token) { BLANK[token] = true; });
  var GROUPED = new RegExp(config.patterns.grouped);
  var INTEGER = new RegExp(config.patterns.integer);
  var MONEY = new RegExp(config.patterns.money);
  var INVALID = { invalid: true };

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }

  /* null for blank, a number (or the money text), or INVALID: as annual/normalize.py reads it. */
  function parseCell(raw, kind) {
    var text = String(raw).normalize("NFKC").replace(/[−－﹣]/g, "-").trim();
    if (BLANK[text] || BLANK[String(raw).trim()]) return null;
    if (GROUPED.test(text)) text = text.replace(/[,，\s]/g, "");
    if (kind === "money") return MONEY.test(text.replace(/^\+/, "")) ? text : INVALID;
    if (!INTEGER.test(text)) return INVALID;
    var n = parseInt(text, 10);
    if (n < 0 && kind !== "signed") return INVALID;
    return n;
  }

  // --- Cells and navigation -------------------------------------------------------------------
  var cells = Array.prototype.slice.call(grid.querySelectorAll("input.cell"));  // page order = config order
  var rows = [];  // arrays of inputs, one per table row that has any
  grid.querySelectorAll("tbody tr").forEach(function (tr) {
    var inputs = Array.prototype.slice.call(tr.querySelectorAll("input.cell"));
    if (inputs.length) rows.push(inputs);
  });
  var position = new Map();
  rows.forEach(function (inputs, r) {
    inputs.forEach(function (input, c) { position.set(input, [r, c]); });
  });
  var kindOf = new Map();
  cells.forEach(function (input, i) {
    kindOf.set(input, config.kinds[i] || "count");
    input.inputMode = kindOf.get(input) === "count" ? "numeric" : "decimal";
    input.autocomplete = "off";
  });

  function cellAt(r, c) {
    if (r < 0 || r >= rows.length) return null;
    var row = rows[r];
    return row[Math.min(c, row.length - 1)];
  }
  function move(input, dr, dc) {
    var p = position.get(input);
    var target = dr ? cellAt(p[0] + dr, p[1]) : cells[cells.indexOf(input) + dc] || null;
    if (target) { target.focus(); target.select(); keepVisible(target); }
  }

  /* Keep a focused cell out from under the sticky table header and the sticky footer (at
     1366×768 they cover a third of the window): scroll just enough to show it between them. */
  var footer = document.querySelector(".step-footer");
  function keepVisible(input) {
    var box = input.getBoundingClientRect();
    var head = input.closest("table").querySelector("thead");
    var top = head ? Math.max(0, head.getBoundingClientRect().bottom) : 0;
    var bottom = footer ? footer.getBoundingClientRect().top : window.innerHeight;
    // "instant": Bootstrap makes the page scroll smoothly, which would leave the cell covered a while.
    if (box.bottom > bottom) window.scrollBy({ top: box.bottom - bottom + 4, behavior: "instant" });
    else if (box.top < top) window.scrollBy({ top: box.top - top - 4, behavior: "instant" });
  }
  grid.addEventListener("focusin", function (event) {
    var input = event.target;
    if (!input.classList.contains("cell")) return;
    input.select();
    // After the browser's own scrolling for Tab or a click, which follows this event.
    window.setTimeout(function () { keepVisible(input); }, 0);
  });
  grid.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList.contains("cell")) return;
    var all = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    switch (event.key) {
      case "Enter": event.preventDefault(); move(input, event.shiftKey ? -1 : 1, 0); break;
      case "ArrowDown": event.preventDefault(); move(input, 1, 0); break;
      case "ArrowUp": event.preventDefault(); move(input, -1, 0); break;
      case "ArrowLeft":
        if (all || input.selectionStart === 0) { event.preventDefault(); move(input, 0, -1); }
        break;
      case "ArrowRight":
        if (all || input.selectionEnd === input.value.length) { event.preventDefault(); move(input, 0, 1); }
        break;
    }
  });

  // --- Automatic totals -----------------------------------------------------------------------
  // A check with a single target defines a total: that cell is the sum of the check's parts.
  var formulaOf = new Map();
  config.checks.forEach(function (check) {
    if (check.targets.length === 1 && !formulaOf.has(cells[check.targets[0]])) formulaOf.set(cells[check.targets[0]], check);
  });
  // A field error from the server stays on its cell until that cell is edited.
  cells.forEach(function (input) {
    if (input.classList.contains("is-invalid")) {
      input.dataset.serverError = input.title;
      input.dataset.serverValue = input.value;
    }
  });

  function read(input) { return parseCell(input.value, kindOf.get(input)); }
  function valueOf(i) {
    var v = read(cells[i]);
    return v === INVALID || v === null ? 0 : v;
  }
  function unreadable(i) { return read(cells[i]) === INVALID; }
  /* The sum of a formula's parts as the total should show it: "" when every part is blank,
     null (unknown: leave the total alone) while a part cannot be read. */
  function computed(formula) {
    var any = false, sum = 0;
    for (var k = 0; k < formula.parts.length; k++) {
      if (unreadable(formula.parts[k])) return null;
      var v = read(cells[formula.parts[k]]);
      if (v !== null) { any = true; sum += v; }
    }
    return any ? String(sum) : "";
  }
  function isAuto(input) { return input.dataset.auto === "1"; }
  function setAuto(input, on) {
    input.dataset.auto = on ? "1" : "0";
    input.classList.toggle("auto", on);
    input.title = on ? messages.auto_total : (input.dataset.serverError || "");
  }
  // On load a total is automatic when it agrees with its parts (or both are blank); a total the
  // office wrote differently stays theirs, so a published mismatch is shown, not "fixed".
  formulaOf.forEach(function (formula, input) {
    setAuto(input, !readonly && input.value.trim() === computed(formula));
  });
  function refreshTotals() {
    for (var pass = 0; pass < 4; pass++) {
      var changed = false;
      formulaOf.forEach(function (formula, input) {
        if (!isAuto(input)) return;
        var v = computed(formula);
        if (v !== null && input.value !== v) { input.value = v; changed = true; }
      });
      if (!changed) break;
    }
  }

  // --- Live checks ----------------------------------------------------------------------------
  var list = document.querySelector("[data-findings-list]");
  var summary = document.querySelector("[data-live-summary]");
  var notice = document.querySelector("[data-grid-notice]");
  var marked = [];

  function evaluate() {
    marked.forEach(function (input) { input.classList.remove("chk-part", "chk-target"); });
    marked = [];
    var items = [];
    cells.forEach(function (input) {
      var bad = read(input) === INVALID;
      if (bad) {
        items.push({ cell: input.name, text: fill(messages.unreadable, {
          label: input.getAttribute("aria-label"), value: input.value.trim(), hint: config.hints[kindOf.get(input)]
        }) });
      }
      input.classList.toggle("is-invalid", bad || (!!input.dataset.serverError && input.dataset.serverValue === input.value));
    });
    var unreadableCount = items.length;
    config.checks.forEach(function (check) {
      // A cell that cannot be read is reported above; a sum over it would only mislead.
      if (check.parts.some(unreadable) || check.targets.some(unreadable)) return;
      var expected = 0, actual = 0;
      check.parts.forEach(function (i) { expected += valueOf(i); });
      check.targets.forEach(function (i) { actual += valueOf(i); });
      if (expected === actual) return;
      check.parts.forEach(function (i) { cells[i].classList.add("chk-part"); marked.push(cells[i]); });
      check.targets.forEach(function (i) { cells[i].classList.add("chk-target"); marked.push(cells[i]); });
      items.push({
        cell: cells[check.targets[0]].name, rule: check.rule,
        text: fill(check.message, { expected: expected, actual: actual })
      });
    });
    var checkCount = items.length - unreadableCount;
    if (list) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "finding-error";
        if (item.rule) li.dataset.rule = item.rule;
        var a = document.createElement("a");
        a.href = "#cell-" + item.cell;
        a.textContent = item.text;
        li.appendChild(a);
        list.appendChild(li);
      });
    }
    if (summary) {
      var parts = [];
      if (unreadableCount) parts.push(fill(messages.summary_unreadable, { n: unreadableCount }));
      if (checkCount) parts.push(fill(messages.summary_checks, { n: checkCount }));
      summary.textContent = parts.length ? parts.join("；") : config.checks.length ? messages.summary_ok : messages.summary_readable;
      summary.classList.toggle("bad", items.length > 0);
      summary.classList.toggle("ok", items.length === 0);
      summary.dataset.errors = String(checkCount);
      summary.dataset.unreadable = String(unreadableCount);
    }
  }

  // --- Typing and pasting ---------------------------------------------------------------------

  function typedInto(input) {
    if (formulaOf.has(input)) setAuto(input, input.value.trim() === "");
  }
  // --- Probable culprits (the server's, for the saved figures) ---------------------------------
  // Each suggestion names the cells that, corrected, make every rule hold: they are outlined
  // until the figures change, when the suggestion no longer describes them and is hidden.
  var hints = Array.prototype.slice.call(document.querySelectorAll("[data-culprit]"));
  hints.forEach(function (hint) {
    hint.getAttribute("data-culprit").split(" ").forEach(function (path) {
      var cell = grid.querySelector("input.cell[name=\"" + path + "\"]");
      if (cell) cell.classList.add("culprit");
    });
  });
  function dropHints() {
    if (!hints.length) return;
    hints.forEach(function (hint) { hint.hidden = true; });
    grid.querySelectorAll(".culprit").forEach(function (cell) { cell.classList.remove("culprit"); });
    hints = [];
  }

  grid.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList.contains("cell")) return;
    dropHints();
    typedInto(input);
    refreshTotals();
    evaluate();
  });
  grid.addEventListener("paste", function (event) {
    var input = event.target;
    if (readonly || !input.classList.contains("cell")) return;
    var text = (event.clipboardData || window.clipboardData).getData("text");
    text = text.replace(/\r/g, "").replace(/\n+$/, "");
    if (text.indexOf("\t") === -1 && text.indexOf("\n") === -1) return;  // one value: paste normally
    event.preventDefault();
    var start = position.get(input);
    var dropped = [];
    text.split("\n").forEach(function (line, i) {
      var row = rows[start[0] + i];
      line.split("\t").forEach(function (value, j) {
        var cell = row && row[start[1] + j];
        if (!cell) {
          if (value.trim()) dropped.push(value.trim());
          return;
        }
        if (cell.readOnly) return;
        cell.value = value.trim();
        typedInto(cell);
      });
    });
    if (notice) {
      notice.textContent = dropped.length
        ? fill(messages.paste_dropped, { n: dropped.length, values: dropped.map(function (v) { return "“" + v + "”"; }).join("、") })
        : "";
      notice.hidden = !dropped.length;
    }
    refreshTotals();
    evaluate();
    if (window.entryForm) window.entryForm.markDirty();
  });

  if (!readonly) refreshTotals();
  evaluate();
})();
