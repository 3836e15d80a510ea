/**
 * The report's only stylesheet, inlined so the file stands alone as a pipeline artifact. Layout rules:
 * nothing may be wider than a 375px phone except the inside of code blocks (long values wrap or scroll
 * there), and every difference is marked with a sign as well as a colour so that it survives printing
 * in black and white.
 */
export const REPORT_CSS = `
:root {
  --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg-soft: #f6f8fa;
  --add-bg: #dafbe1; --add-fg: #116329; --del-bg: #ffebe9; --del-fg: #a40e26;
  --warn-bg: #fff8c5; --warn-line: #d4a72c; --err-bg: #ffebe9; --err-line: #cf222e;
  --ok-bg: #dafbe1; --ok-line: #2da44e;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; color: var(--fg); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  overflow-wrap: anywhere;
}
main { max-width: 62rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.75rem; padding-bottom: 0.25rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0 0 0.5rem; }
h4 { font-size: 0.95rem; margin: 0.75rem 0 0.25rem; }
code, .mono { font-family: var(--mono); font-size: 0.9em; }
.muted { color: var(--muted); }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; min-width: 0; }
.counts { display: flex; flex-wrap: wrap; gap: 0.5rem; padding: 0; margin: 0.5rem 0; list-style: none; }
.counts li { flex: 1 1 7rem; border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.75rem; background: var(--bg-soft); }
.counts .n { display: block; font-size: 1.4rem; font-weight: 600; }
.banner { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: 0.75rem 1rem; margin: 0.75rem 0; }
.banner p { margin: 0.25rem 0; }
.banner.ok { background: var(--ok-bg); border-color: var(--ok-line); }
.banner.warn { background: var(--warn-bg); border-color: var(--warn-line); }
.banner.err { background: var(--err-bg); border-color: var(--err-line); }
.banner strong.label { text-transform: uppercase; letter-spacing: 0.03em; font-size: 0.8rem; margin-right: 0.4rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem 1rem; margin: 0.75rem 0; min-width: 0; }
.badge { display: inline-block; border: 1px solid var(--line); border-radius: 999px; padding: 0 0.5rem; font-size: 0.8rem; background: var(--bg-soft); white-space: nowrap; }
.badge.create { background: var(--add-bg); color: var(--add-fg); }
.badge.update { background: var(--warn-bg); }
.badge.failed { background: var(--del-bg); color: var(--del-fg); }
pre.diff { font-family: var(--mono); font-size: 0.85rem; margin: 0.25rem 0; padding: 0.5rem 0; background: var(--bg-soft);
  border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; white-space: pre; }
pre.diff span { display: block; padding: 0 0.75rem; min-width: max-content; }
pre.diff .del { background: var(--del-bg); color: var(--del-fg); }
pre.diff .add { background: var(--add-bg); color: var(--add-fg); }
.chips { display: flex; flex-wrap: wrap; gap: 0.3rem; padding: 0; margin: 0.25rem 0; list-style: none; }
.chips li { font-family: var(--mono); font-size: 0.85rem; border: 1px solid var(--line); border-radius: 4px; padding: 0 0.4rem; background: #fff; }
.chips li.added { background: var(--add-bg); color: var(--add-fg); border-color: var(--ok-line); font-weight: 600; }
.chips li.removed { background: var(--del-bg); color: var(--del-fg); border-color: var(--err-line); text-decoration: line-through; }
.chips li.added::before { content: "+ "; }
.chips li.removed::before { content: "\\2212  "; }
.chips li.unknown { outline: 2px dashed var(--warn-line); outline-offset: 1px; }
.attr { border-top: 1px solid var(--line); padding: 0.5rem 0; }
.attr:first-of-type { border-top: 0; }
.kv { display: grid; grid-template-columns: 4.5rem 1fr; gap: 0.1rem 0.5rem; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; min-width: 0; font-family: var(--mono); font-size: 0.9rem; }
.diag .where { font-family: var(--mono); font-size: 0.85rem; }
.diag .detail { white-space: pre-wrap; margin: 0.25rem 0 0; }
ul.plain { padding-left: 1.2rem; margin: 0.25rem 0; }
footer { margin: 2rem 0 1rem; font-size: 0.8rem; color: var(--muted); }
@media (max-width: 480px) {
  main { padding: 0.75rem; }
  .meta { grid-template-columns: 1fr; }
  .meta dd { margin-bottom: 0.3rem; }
}
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  .card, .banner { break-inside: avoid; }
  /* Long values wrap on paper: there is no scrolling there. */
  pre.diff { white-space: pre-wrap; overflow: visible; }
  pre.diff span { min-width: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
