// The queue table's front end (anywidget). Data comes as display strings and is written
// with textContent only: buyer and order text never becomes HTML.
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "dk-queue";
  box.tabIndex = 0;
  box.setAttribute("role", "grid");
  box.setAttribute("aria-label", "Open disputes, most urgent first");
  // JupyterLab's own shortcuts (arrows move cells in command mode) must not see these keys.
  box.setAttribute("data-lm-suppress-shortcuts", "true");
  box.classList.add("lm-suppress-shortcuts");
  const scroller = document.createElement("div");
  scroller.className = "dk-queue-scroll";
  const table = document.createElement("table");
  table.className = "dk-queue-table";
  const head = document.createElement("thead");
  const body = document.createElement("tbody");
  table.append(head, body);
  scroller.append(table);
  const pager = document.createElement("div");
  pager.className = "dk-queue-pager";
  const previous = document.createElement("button");
  previous.className = "jupyter-button dk-queue-previous";
  previous.textContent = "‹ Previous";
  const next = document.createElement("button");
  next.className = "jupyter-button dk-queue-next";
  next.textContent = "Next ›";
  const caption = document.createElement("span");
  caption.className = "dk-queue-caption";
  caption.setAttribute("aria-live", "polite");
  const help = document.createElement("span");
  help.className = "dk-queue-help";
  help.textContent = "↑/↓ move · Enter opens · r: recommended handling";
  pager.append(previous, next, caption, help);
  box.append(scroller, pager);
  el.append(box);

  const send = (content) => model.send(content);

  function drawHead() {
    head.textContent = "";
    const tr = document.createElement("tr");
    for (const column of model.get("columns")) {
      const th = document.createElement("th");
      th.scope = "col";
      th.className = `dk-col-${column.key} dk-align-${column.align}`;
      const sorted = model.get("sort_by") === column.key;
      th.setAttribute("aria-sort", sorted ? (model.get("ascending") ? "ascending" : "descending") : "none");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "dk-sort";
      button.textContent = column.title + (sorted ? (model.get("ascending") ? " ▲" : " ▼") : "");
      button.addEventListener("click", (event) => {
        event.stopPropagation();
        send({ event: "sort", column: column.key });
        box.focus();
      });
      th.append(button);
      tr.append(th);
    }
    head.append(tr);
  }

  function drawRows() {
    const hadFocus = box.contains(document.activeElement);
    body.textContent = "";
    const selected = model.get("selected_key");
    const columns = model.get("columns");
    for (const row of model.get("rows")) {
      const key = `${row.key[0]}|${row.key[1]}`;
      const tr = document.createElement("tr");
      tr.dataset.key = key;
      tr.setAttribute("role", "row");
      tr.setAttribute("aria-selected", key === selected ? "true" : "false");
      if (key === selected) tr.classList.add("dk-selected");
      if (row.overdue) tr.classList.add("dk-overdue");
      row.cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.className = `dk-col-${columns[i].key} dk-align-${columns[i].align}`;
        td.textContent = text;
        tr.append(td);
      });
      tr.addEventListener("click", () => {
        send({ event: "click", key: row.key });
        box.focus();
      });
      body.append(tr);
    }
    if (!model.get("rows").length) {
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = columns.length;
      td.className = "dk-empty";
      td.textContent = "No open dispute matches.";
      tr.append(td);
      body.append(tr);
    }
    const total = model.get("total");
    const first = model.get("page") * model.get("page_size");
    const shown = model.get("rows").length;
    caption.textContent = total
      ? `showing ${(first + 1).toLocaleString("en")}–${(first + shown).toLocaleString("en")} of ${total.toLocaleString("en")}`
      : "showing 0 of 0";
    previous.disabled = model.get("page") <= 0;
    next.disabled = model.get("page") >= model.get("pages") - 1;
    const chosen = body.querySelector("tr.dk-selected");
    if (chosen) chosen.scrollIntoView({ block: "nearest" });
    if (hadFocus) box.focus({ preventScroll: true });
  }

  function drawSelection() {
    const selected = model.get("selected_key");
    for (const tr of body.querySelectorAll("tr[data-key]")) {
      const on = tr.dataset.key === selected;
      tr.classList.toggle("dk-selected", on);
      tr.setAttribute("aria-selected", on ? "true" : "false");
      if (on) tr.scrollIntoView({ block: "nearest" });
    }
  }

  previous.addEventListener("click", () => { send({ event: "page", page: model.get("page") - 1 }); box.focus(); });
  next.addEventListener("click", () => { send({ event: "page", page: model.get("page") + 1 }); box.focus(); });
  box.addEventListener("keydown", (event) => {
    if (event.target !== box && event.target.tagName === "BUTTON" && event.key === "Enter") return;
    const size = model.get("page_size");
    const actions = {
      ArrowDown: { event: "move", step: 1 },
      ArrowUp: { event: "move", step: -1 },
      PageDown: { event: "move", step: size },
      PageUp: { event: "move", step: -size },
      Home: { event: "move", step: -1e9 },
      End: { event: "move", step: 1e9 },
      Enter: { event: "open" },
      r: { event: "recommend" },
      R: { event: "recommend" },
    };
    const action = actions[event.key];
    if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    event.stopPropagation();
    send(action);
  });

  drawHead();
  drawRows();
  model.on("change:columns", drawHead);
  model.on("change:sort_by", drawHead);
  model.on("change:ascending", drawHead);
  model.on("change:rows", drawRows);
  model.on("change:selected_key", drawSelection);
  model.on("change:total", drawRows);
}
export default { render };
