// `npm run check:docs`: every relative link in the docs resolves, and every TypeScript block type-checks.
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkLinks, type Problem } from "./links.ts";
import { checkSnippets } from "./snippets.ts";

const root = resolve(import.meta.dirname, "../..");

function markdownUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(directory, name))
    .sort();
}

const pages = [
  ...["README.md", "BENCHMARKS.md"].map((name) => join(root, name)).filter((path) => existsSync(path)),
  ...(existsSync(join(root, "docs")) ? markdownUnder(join(root, "docs")) : []),
];

if (!existsSync(join(root, "src/env.d.ts"))) {
  console.error("src/env.d.ts is missing: run `npm run types` first (`npm run check:docs` does)");
  process.exit(2);
}

const print = (problem: Problem) => console.error(`${problem.file}:${problem.line}: ${problem.message}`);
const linkProblems = checkLinks(pages, root);
const snippets = checkSnippets(pages, root);
linkProblems.forEach(print);
snippets.problems.forEach(print);

const skipped = snippets.skipped.map((block) => `${block.file}:${block.line}`).join(", ");
console.log(
  `check:docs: ${pages.length} pages, ${linkProblems.length} broken links; ` +
    `${snippets.checked} TypeScript blocks checked, ${snippets.problems.length} errors, ` +
    `${snippets.skipped.length} fragments skipped${skipped ? ` (${skipped})` : ""}`,
);
process.exit(linkProblems.length + snippets.problems.length > 0 ? 1 : 0);
