/* disputekit: long tables sortable and filterable offline (no library, no network).
   A table with more than 8 body rows gets a filter box above it and a button in each
   column heading that sorts by that column (again: the other way). Without scripts the
   table reads as it is. Numbers sort as numbers ("1,234.50", "$12", "−3.5 h"); an empty
   cell or a dash sorts last. */
(function () {
  "use strict";
  var MIN_ROWS = 8;
  function key(text) {
    var t = text.trim();
    if (t === "" || t === "\u2014" || t === "-") return null;
    var n = t.replace(/[\u2212]/g, "-").replace(/[,$%\s]|US\$|USD|pts?|h$/g, "");
    if (/^[-+]?\d+(\.\d+)?$/.test(n)) return parseFloat(n);
    return t.toLowerCase();
  }
  function compare(a, b) {
    if (a === null) return b === null ? 0 : 1;
    if (b === null) return -1;
    if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
    return typeof a === "number" ? -1 : 1;
  }
  function enhance(table, index) {
    var body = table.tBodies[0];
    var head = table.tHead ? table.tHead.rows[table.tHead.rows.length - 1]
                           : (body && body.rows[0]);
    if (!body || !head || body.rows.length <= MIN_ROWS) return;
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r !== head; });
    var label = document.createElement("label");
    label.className = "dk-filter";
    label.textContent = "Filter rows ";
    var input = document.createElement("input");
    input.type = "search";
    input.setAttribute("aria-controls", table.id || (table.id = "dk-table-" + index));
    label.appendChild(input);
    var count = document.createElement("span");
    count.setAttribute("aria-live", "polite");
    label.appendChild(count);
    table.parentNode.insertBefore(label, table);
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (r) {
        var text = r.textContent.toLowerCase();
        var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
        r.hidden = !keep;
        if (keep) shown += 1;
      });
      count.textContent = words.length ? " " + shown + " of " + rows.length + " rows" : "";
    });
    Array.prototype.forEach.call(head.cells, function (cell, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "dk-sort";
      while (cell.firstChild) button.appendChild(cell.firstChild);
      cell.appendChild(button);
      button.addEventListener("click", function () {
        var up = cell.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(head.cells, function (c) { c.removeAttribute("aria-sort"); });
        cell.setAttribute("aria-sort", up ? "ascending" : "descending");
        var keyed = rows.map(function (r, i) {
          var c = r.cells[col];
          return { row: r, key: c ? key(c.textContent) : null, i: i };
        });
        keyed.sort(function (a, b) {
          var order = compare(a.key, b.key);
          if (a.key !== null && b.key !== null && !up) order = -order;
          return order || a.i - b.i;
        });
        keyed.forEach(function (k) { body.appendChild(k.row); });
      });
    });
  }
  function start() {
    var tables = document.querySelectorAll("table");
    Array.prototype.forEach.call(tables, enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
