/**
 * The code blocks of a Markdown document and what the docs test does with each. A block's directive is
 * an HTML comment on the line right above its fence (invisible to readers):
 *
 *   <!-- doc-test: devnet -->                the `npm run devnet` that starts the devnet the docs use
 *   <!-- doc-test: file my-chain/x.mjs -->   the block is written to that path (then used by a later block)
 *   <!-- doc-test: background "REGEX" -->    started in the background; ready when its output matches; stopped after the document
 *   <!-- doc-test: expect "REGEX" -->        run; must exit 0 and print something matching
 *   <!-- doc-test: retry N expect "REGEX" --> likewise, tried up to N times a second apart
 *   <!-- doc-test: skip: REASON -->          not run, for the reason given (a benchmark of minutes, the test run itself)
 *
 * Without a directive a `sh` block is run and must exit 0, a `json` block must parse, and a `js` block
 * is an error (say what happens to it). Fences without a language, `text` and `mermaid` are not code.
 */
export type DocDirective =
  | { kind: "run" }
  | { kind: "devnet" }
  | { kind: "file"; path: string }
  | { kind: "background"; ready: RegExp }
  | { kind: "expect"; pattern: RegExp; tries: number }
  | { kind: "skip"; reason: string };

export interface DocBlock {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  directive: DocDirective;
}

/** Languages that are code the docs test must account for. */
export const RUNNABLE_LANGS = new Set(["sh", "bash", "shell", "js", "javascript", "mjs", "ts", "typescript", "json"]);

export class DocBlockError extends Error {}

function parseDirective(text: string, where: string): DocDirective {
  const t = text.trim();
  if (t === "devnet") return { kind: "devnet" };
  let m = /^file\s+(\S+)$/.exec(t);
  if (m) return { kind: "file", path: m[1]! };
  m = /^background\s+"(.+)"$/.exec(t);
  if (m) return { kind: "background", ready: new RegExp(m[1]!) };
  m = /^(?:retry\s+(\d+)\s+)?expect\s+"(.+)"$/.exec(t);
  if (m) return { kind: "expect", pattern: new RegExp(m[2]!), tries: m[1] ? Number(m[1]) : 1 };
  m = /^skip:\s*(\S.*)$/.exec(t);
  if (m) return { kind: "skip", reason: m[1]! };
  throw new DocBlockError(`${where}: unknown doc-test directive "${t}"`);
}

/** The code blocks of `markdown` (named `name` in errors) with their directives. */
export function parseDocBlocks(markdown: string, name: string): DocBlock[] {
  const lines = markdown.split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const lang = open[1]!.toLowerCase();
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new DocBlockError(`${name}:${start + 1}: unclosed code fence`);
    if (!RUNNABLE_LANGS.has(lang)) continue;
    const where = `${name}:${start + 1}`;
    const above = /^<!--\s*doc-test:\s*(.*?)\s*-->\s*$/.exec(lines[start - 1] ?? "");
    let directive: DocDirective = above ? parseDirective(above[1]!, where) : { kind: "run" };
    if (directive.kind === "run" && /^(js|javascript|mjs|ts|typescript)$/.test(lang)) {
      throw new DocBlockError(`${where}: a ${lang} block needs a doc-test directive (file <path> or skip: <reason>)`);
    }
    if (lang === "json" && directive.kind === "run") directive = { kind: "run" };
    blocks.push({ line: start + 1, lang, code: body.join("\n"), directive });
  }
  return blocks;
}
