/* The entry grids (二、三、四) as a small spreadsheet.

   - Tab / Enter / arrow keys move between cells; pasting tab-separated rows from Excel or WPS
     fills consecutive cells.
   - A total cell (each row's 总计, （七）总计, 四's 总计) fills in from its parts while it is
     "automatic"; typing into it makes it the user's value (then a mismatch is flagged);
     clearing it makes it automatic again.
   - Every blocking rule is checked live. The rules are not written here: the server embeds
     `rules.checks_as_json` (sum of parts must equal sum of targets, with a message template)
     as #grid-checks, and the same definitions run on the server at every save.

   Numbers are read like annual/normalize.py reads them (full-width digits, thousands
   separators, "-"/"—"/"－"/"无"/blank = blank); the server's reading is what gets saved. */
(function () {
  "use strict";
  var grid = document.querySelector("[data-grid]");
  if (!grid) return;
  var form = document.getElementById("step-form");
  var readonly = form && form.hasAttribute("data-readonly");
  var checksEl = document.getElementById("grid-checks");
  var checks = checksEl ? JSON.parse(checksEl.textContent) : [];

  var BLANK = { "": 1, "-": 1, "--": 1, "—": 1, "——": 1, "－": 1, "－－": 1, "–": 1, "无": 1 };
  var INVALID = { invalid: true };

  /* null for blank, an integer, or INVALID. */
  function parseCell(raw, signed) {
    var text = String(raw).normalize("NFKC").replace(/[−﹣]/g, "-").trim();
    if (BLANK[text] || BLANK[String(raw).trim()]) return null;
    if (/^[+-]?\d{1,3}(?:[,\s]\d{3})+$/.test(text)) text = text.replace(/[,\s]/g, "");
    if (!/^[+-]?\d+$/.test(text)) return INVALID;
    var n = parseInt(text, 10);
    if (n < 0 && !signed) return INVALID;
    return n;
  }

  // --- Cells and navigation -------------------------------------------------------------------
  var rows = [];  // arrays of inputs, in document order across every table of the grid
  grid.querySelectorAll("tbody tr").forEach(function (tr) {
    var inputs = Array.prototype.slice.call(tr.querySelectorAll("input.cell"));
    if (inputs.length) rows.push(inputs);
  });
  var byName = {};
  var position = new Map();
  rows.forEach(function (inputs, r) {
    inputs.forEach(function (input, c) { byName[input.name] = input; position.set(input, [r, c]); });
  });

  function cellAt(r, c) {
    if (r < 0 || r >= rows.length) return null;
    var row = rows[r];
    return row[Math.min(c, row.length - 1)];
  }
  function move(input, dr, dc) {
    var p = position.get(input);
    var target = null;
    if (dr) {
      target = cellAt(p[0] + dr, p[1]);
    } else {
      var flat = [].concat.apply([], rows);
      target = flat[flat.indexOf(input) + dc] || null;
    }
    if (target) { target.focus(); target.select(); }
  }

  grid.addEventListener("focusin", function (event) {
    if (event.target.classList.contains("cell")) event.target.select();
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
  var formulas = [];
  checks.forEach(function (check) {
    if (check.targets.length === 1 && byName[check.targets[0]]) formulas.push(check);
  });
  // A field error from the server stays on its cell until that cell is edited.
  Object.keys(byName).forEach(function (name) {
    var input = byName[name];
    if (input.classList.contains("is-invalid")) {
      input.dataset.serverError = input.title;
      input.dataset.serverValue = input.value;
    }
  });
  var formulasOf = {};
  formulas.forEach(function (f) { (formulasOf[f.targets[0]] = formulasOf[f.targets[0]] || []).push(f); });

  function valueOf(name) {
    var input = byName[name];
    if (!input) return null;
    var v = parseCell(input.value, input.dataset.kind === "signed");
    return v === INVALID ? null : v;
  }
  function unreadable(name) {
    var input = byName[name];
    return !!input && parseCell(input.value, input.dataset.kind === "signed") === INVALID;
  }
  /* The sum of a formula's parts as the total should show it: "" when every part is blank,
     null (unknown: leave the total alone) while a part cannot be read. */
  function computed(formula) {
    var any = false, sum = 0;
    for (var i = 0; i < formula.parts.length; i++) {
      if (unreadable(formula.parts[i])) return null;
      var v = valueOf(formula.parts[i]);
      if (v !== null) { any = true; sum += v; }
    }
    return any ? String(sum) : "";
  }
  function isAuto(input) { return input.dataset.auto === "1"; }
  function setAuto(input, on) {
    input.dataset.auto = on ? "1" : "0";
    input.classList.toggle("auto", on);
    input.title = on ? "自动合计（直接输入可改写，清空恢复自动）" : (input.dataset.serverError || "");
  }
  // On load a total is automatic when it agrees with its parts (or both are blank); a total the
  // office wrote differently stays theirs, so a published mismatch is shown, not "fixed".
  Object.keys(formulasOf).forEach(function (name) {
    var input = byName[name];
    setAuto(input, !readonly && input.value.trim() === computed(formulasOf[name][0]));
  });
  function refreshTotals() {
    for (var pass = 0; pass < 4; pass++) {
      var changed = false;
      formulas.forEach(function (f) {
        var input = byName[f.targets[0]];
        if (!isAuto(input)) return;
        var v = computed(formulasOf[f.targets[0]][0]);
        if (v !== null && input.value !== v) { input.value = v; changed = true; }
      });
      if (!changed) break;
    }
  }

  // --- Live checks ----------------------------------------------------------------------------
  var list = document.querySelector("[data-findings-list]");
  var summary = document.querySelector("[data-live-summary]");
  var marked = [];

  function label(name) {
    var input = byName[name];
    return input ? input.getAttribute("aria-label") : name;
  }
  function evaluate() {
    marked.forEach(function (input) { input.classList.remove("chk-part", "chk-target"); });
    marked = [];
    var items = [];
    Object.keys(byName).forEach(function (name) {
      var input = byName[name];
      var bad = parseCell(input.value, input.dataset.kind === "signed") === INVALID && input.dataset.kind !== "money";
      if (bad) items.push({ cell: name, text: label(name) + "：“" + input.value.trim() + "”无法识别，应填写不小于 0 的整数；“-”“无”或留空表示空白" });
      if (input.dataset.kind !== "money") input.classList.toggle("is-invalid", bad || (!!input.dataset.serverError && input.dataset.serverValue === input.value));
    });
    var errors = 0;
    checks.forEach(function (check) {
      // A cell that cannot be read is reported above; a sum over it would only mislead.
      if (check.cells.some(unreadable)) return;
      var expected = 0, actual = 0;
      check.parts.forEach(function (p) { expected += valueOf(p) || 0; });
      check.targets.forEach(function (p) { actual += valueOf(p) || 0; });
      if (expected === actual) return;
      errors += 1;
      check.parts.forEach(function (p) { if (byName[p]) { byName[p].classList.add("chk-part"); marked.push(byName[p]); } });
      check.targets.forEach(function (p) { if (byName[p]) { byName[p].classList.add("chk-target"); marked.push(byName[p]); } });
      items.push({
        cell: check.targets[0], rule: check.rule,
        text: check.message.replace("{expected}", expected).replace("{actual}", actual)
      });
    });
    if (list) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "finding-error";
        if (item.rule) li.dataset.rule = item.rule;
        var a = document.createElement("a");
        a.href = "#cell-" + item.cell;
        a.dataset.cell = item.cell;
        a.textContent = item.text;
        li.appendChild(a);
        list.appendChild(li);
      });
    }
    if (summary && checks.length) {
      summary.textContent = items.length
        ? "勾稽检查：" + items.length + " 处错误（不影响保存，提交审核前须改正）"
        : "勾稽检查：全部一致";
      summary.classList.toggle("bad", items.length > 0);
      summary.classList.toggle("ok", items.length === 0);
      summary.dataset.errors = String(errors);
    }
  }

  // --- Typing and pasting ---------------------------------------------------------------------

  function typedInto(input) {
    if (formulasOf[input.name]) setAuto(input, input.value.trim() === "");
  }
  grid.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList.contains("cell")) return;
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
    text.split("\n").forEach(function (line, i) {
      var row = rows[start[0] + i];
      if (!row) return;
      line.split("\t").forEach(function (value, j) {
        var cell = row[start[1] + j];
        if (!cell || cell.readOnly) return;
        cell.value = value.trim();
        typedInto(cell);
      });
    });
    refreshTotals();
    evaluate();
    if (window.entryForm) window.entryForm.markDirty();
  });

  if (!readonly) refreshTotals();
  evaluate();
})();
