"""The audit page's only style sheet and script, and the Content-Security-Policy that admits exactly these two.

The page is opened from a file, often far from where it was made: it must load nothing from anywhere. The policy
(``default-src 'none'``) forbids every fetch, and names the style sheet and script by their SHA-256, so even
markup that slipped past escaping could neither run a script nor call home. Everything works without the script:
it only adds a filter, expand/collapse-all buttons, and opens the folds around a linked event.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Final

STYLE: Final = """
:root { --ink: #1d2330; --muted: #5d6677; --line: #d5dae3; --paper: #fff; --wash: #f4f6f9;
  --accent: #1f6feb; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  background: var(--wash); }
header.page, main { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
header.page { padding-top: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
h3 { font-size: 15px; margin: 0; display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; }
a { color: var(--accent); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; color: #fff; }
.verdict.ok { background: var(--ok); } .verdict.bad { background: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .n { font-size: 22px; font-weight: 650; } .card .label { color: var(--muted); }
.card.zero .n { color: var(--muted); font-weight: 400; }
.card.hot .n { color: var(--bad); }
table { border-collapse: collapse; width: 100%; background: var(--paper); }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--wash); font-weight: 600; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; border: 1px solid var(--line);
  background: var(--wash); font-weight: 500; }
.badge.settled { background: #dafbe1; border-color: #aceebb; } .badge.failed { background: #ffebe9;
  border-color: #ffcecb; }
.badge.review { background: #fff8c5; border-color: #eed888; } .badge.findings { background: #ffebe9;
  border-color: #ffcecb; }
section.payment { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px;
  margin: 0 0 14px; }
section.payment:target { outline: 3px solid var(--accent); }
section.payment .facts { margin: 4px 0 8px; color: var(--muted); }
ul.flags { margin: 6px 0; padding-left: 20px; } ul.flags li { color: var(--bad); }
.decision { border-left: 3px solid var(--warn); padding: 4px 10px; margin: 6px 0; background: #fffbea; }
figure.diagram { margin: 8px 0; } figure.diagram svg { width: 100%; max-width: 600px; height: auto; }
figure.diagram figcaption { color: var(--muted); font-size: 12.5px; }
svg .node rect { fill: #fff; stroke: #8c959f; stroke-width: 1.2; }
svg .node text { font: 13px system-ui, sans-serif; fill: var(--ink); text-anchor: middle; }
svg .node.on-path rect { fill: #ddf4ff; stroke: var(--accent); stroke-width: 2.6; }
svg .node.on-path text { font-weight: 650; }
svg .order circle { fill: var(--accent); } svg .order text { font: 11px system-ui, sans-serif; fill: #fff;
  text-anchor: middle; font-weight: 650; }
svg .edge path { fill: none; stroke: #b1bac4; stroke-width: 1.2; } svg .edge polygon { fill: #b1bac4; }
svg .edge.on-path path { stroke: var(--accent); stroke-width: 3; } svg .edge.on-path polygon { fill: var(--accent); }
details { margin: 6px 0; }
details > summary { cursor: pointer; color: var(--accent); }
details.timeline > summary { font-weight: 600; padding: 4px 0; }
table.moments td { font-size: 13px; }
table.moments tr.flagged td { background: #fff1f0; }
table.moments tr:target td { background: #ddf4ff; }
.rule-id { font-weight: 600; } .rule-source { color: var(--muted); font-size: 12px; }
.fields { margin: 2px 0 0; color: var(--muted); }
.fields span + span::before { content: " \\00b7 "; }
pre.body { white-space: pre-wrap; word-break: break-all; background: var(--wash); border: 1px solid var(--line);
  padding: 8px; margin: 4px 0; max-height: 360px; overflow: auto; }
table.headers td { padding: 2px 6px; font-size: 12px; }
#controls { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 10px 0; }
#controls input[type=search] { padding: 4px 8px; min-width: 260px; }
.left-out { padding: 10px 12px; border: 1px dashed var(--line); border-radius: 8px; background: var(--paper); }
footer { max-width: 1200px; margin: 30px auto; padding: 0 20px; color: var(--muted); font-size: 12px; }
@media print { #controls { display: none; } details { display: block; } section.payment { break-inside: avoid; } }
"""

SCRIPT: Final = """
"use strict";
(function () {
  const sections = Array.from(document.querySelectorAll("section.payment"));
  const controls = document.getElementById("controls");
  const filter = document.getElementById("filter");
  const flagged = document.getElementById("only-flagged");
  const shown = document.getElementById("shown");
  function apply() {
    const text = filter.value.trim().toLowerCase();
    let count = 0;
    for (const section of sections) {
      const hit = (!text || section.dataset.search.includes(text)) &&
        (!flagged.checked || section.dataset.flagged === "yes");
      section.hidden = !hit;
      if (hit) count += 1;
    }
    shown.textContent = count + " of " + sections.length + " payments shown";
  }
  function setAll(open) {
    for (const fold of document.querySelectorAll("details.timeline")) fold.open = open;
  }
  function reveal() {
    const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (!target) return;
    const section = target.closest("section.payment");
    if (section) section.hidden = false;
    for (let fold = target.closest("details"); fold; fold = fold.parentElement.closest("details")) fold.open = true;
    target.scrollIntoView();
    document.documentElement.dataset.revealed = location.hash;
  }
  if (controls && filter && flagged && shown) {
    controls.hidden = false;
    filter.addEventListener("input", apply);
    flagged.addEventListener("change", apply);
    document.getElementById("expand").addEventListener("click", () => setAll(true));
    document.getElementById("collapse").addEventListener("click", () => setAll(false));
    apply();
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
"""


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


CSP: Final = (
    f"default-src 'none'; style-src '{_sha256(STYLE)}'; script-src '{_sha256(SCRIPT)}'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
"""No fetch of any kind; only the style sheet and the script above, by hash."""
