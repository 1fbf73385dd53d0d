"""A button that copies a text to the operator's clipboard (no ipywidget does).

The reply goes to the order chat by hand: the operator copies it, pastes it in Seller
Center, then marks it sent. The browser copies; the kernel only keeps the text.
"""

from __future__ import annotations

import anywidget
import traitlets

_ESM = """
function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "jupyter-button widget-button dk-copy";
  button.type = "button";
  const label = () => { button.textContent = model.get("label"); };
  label();
  const said = (words) => {
    button.textContent = words;
    setTimeout(label, 1500);
  };
  button.addEventListener("click", async () => {
    const text = model.get("text");
    if (!text) { said("Nothing to copy"); return; }
    try {
      await navigator.clipboard.writeText(text);
    } catch (err) {
      // No clipboard permission (an insecure origin): the old way, via a selection.
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    model.set("copies", model.get("copies") + 1);
    model.save_changes();
    said("Copied ✓");
  });
  model.on("change:label", label);
  el.appendChild(button);
}
export default { render };
"""


class CopyButton(anywidget.AnyWidget):
    """``CopyButton(text=...)``: a click copies ``text``; ``copies`` counts the clicks."""

    _esm = _ESM
    text = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("Copy").tag(sync=True)
    copies = traitlets.Int(0).tag(sync=True)
