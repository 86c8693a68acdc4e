import { DocBlockError, parseDocBlocks } from "./docBlocks.js";

const doc = (s: string) => s.replace(/^ {2}/gm, "");

test("blocks with and without directives; text, mermaid and bare fences are not code", () => {
  const md = doc(`# T
  <!-- doc-test: devnet -->
  \`\`\`sh
  npm run devnet
  \`\`\`

  \`\`\`sh
  curl -s http://x/status
  \`\`\`
  <!-- doc-test: file a/b.mjs -->
  \`\`\`js
  export const x = 1;
  \`\`\`
  <!-- doc-test: background "ready [0-9]" -->
  \`\`\`sh
  node a/b.mjs
  \`\`\`
  <!-- doc-test: retry 5 expect "ok" -->
  \`\`\`sh
  echo ok
  \`\`\`
  <!-- doc-test: skip: minutes long -->
  \`\`\`sh
  npm run bench
  \`\`\`
  \`\`\`json
  { "a": 1 }
  \`\`\`
  \`\`\`text
  out
  \`\`\`
  \`\`\`
  a → b
  \`\`\`
  \`\`\`mermaid
  graph LR
  \`\`\`
  `);
  const b = parseDocBlocks(md, "t.md");
  expect(b.map((x) => [x.line, x.lang, x.directive.kind])).toEqual([
    [3, "sh", "devnet"],
    [7, "sh", "run"],
    [11, "js", "file"],
    [15, "sh", "background"],
    [19, "sh", "expect"],
    [23, "sh", "skip"],
    [26, "json", "run"],
  ]);
  expect(b[2]!.directive).toEqual({ kind: "file", path: "a/b.mjs" });
  expect(b[2]!.code).toBe("export const x = 1;");
  expect((b[3]!.directive as { ready: RegExp }).ready.test("ready 3")).toBe(true);
  expect(b[4]!.directive).toMatchObject({ kind: "expect", tries: 5 });
  expect(b[5]!.directive).toEqual({ kind: "skip", reason: "minutes long" });
});

test("a js block without a directive, an unknown directive, a skip without a reason and an unclosed fence are refused with where they are", () => {
  expect(() => parseDocBlocks("```js\nx()\n```\n", "a.md")).toThrow(new DocBlockError("a.md:1: a js block needs a doc-test directive (file <path> or skip: <reason>)"));
  expect(() => parseDocBlocks("<!-- doc-test: runn -->\n```sh\nx\n```\n", "b.md")).toThrow(/b\.md:2: unknown doc-test directive "runn"/);
  expect(() => parseDocBlocks("<!-- doc-test: skip: -->\n```sh\nx\n```\n", "c.md")).toThrow(/c\.md:2: unknown doc-test directive "skip:"/);
  expect(() => parseDocBlocks("```sh\nx\n", "d.md")).toThrow(/d\.md:1: unclosed code fence/);
});
