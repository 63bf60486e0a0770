// The docs check on fixture pages: GitHub slugs, anchors, links, and TypeScript blocks that compile or do not.
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkLinks } from "./links.ts";
import { anchors, codeBlocks, githubSlug, links } from "./markdown.ts";
import { checkSnippets } from "./snippets.ts";

const root = resolve(import.meta.dirname, "../..");
const fixtures = join(import.meta.dirname, "fixtures");

describe("githubSlug", () => {
  it("follows GitHub's rules: lower case, punctuation dropped, spaces to hyphens", () => {
    expect(githubSlug("Sub-workflows, decisions and batches")).toBe("sub-workflows-decisions-and-batches");
    expect(githubSlug("What happens when steps fail, and how to repair a task")).toBe(
      "what-happens-when-steps-fail-and-how-to-repair-a-task",
    );
    expect(githubSlug("The `tasker-edge/worker` entry")).toBe("the-tasker-edgeworker-entry");
    expect(githubSlug("Limits & sizes")).toBe("limits--sizes");
    expect(githubSlug("task_uuid and **bold**")).toBe("task_uuid-and-bold");
    expect(githubSlug("Café über [link](x.md)")).toBe("café-über-link");
  });
});

describe("markdown reading", () => {
  it("finds headings outside code, numbers repeats, and keeps HTML ids", () => {
    const found = anchors('# Title\n\n## Again\n\n## Again\n\n```sh\n# not a heading\n```\n\nSetext\n---\n\n<a id="x"></a>\n');
    expect([...found].sort()).toEqual(["again", "again-1", "setext", "title", "x"]);
  });

  it("reads links outside code spans and fenced blocks, with their lines", () => {
    const found = links("[a](a.md) `[b](b.md)`\n\n```md\n[c](c.md)\n```\n[d]: d.md#x\n![e](e.png)\n");
    expect(found).toEqual([
      { target: "a.md", line: 1 },
      { target: "d.md#x", line: 6 },
      { target: "e.png", line: 7 },
    ]);
  });

  it("reads a fenced block's language and flags, and removes a list item's indentation", () => {
    const [block] = codeBlocks("- item:\n\n  ```ts continues in=src\n  const a = 1;\n    const b = 2;\n  ```\n");
    expect(block).toEqual({ lang: "ts", flags: ["continues", "in=src"], line: 3, code: "const a = 1;\n  const b = 2;" });
  });
});

describe("checkLinks", () => {
  it("passes a page whose links all resolve", () => {
    expect(checkLinks([join(fixtures, "good.md"), join(fixtures, "sub/other.md")], root)).toEqual([]);
  });

  it("reports each missing page and anchor at its line", () => {
    const problems = checkLinks([join(fixtures, "bad.md")], root);
    expect(problems.map((problem) => `${problem.line}: ${problem.message}`)).toEqual([
      "3: link to sub/missing.md: scripts/check-docs/fixtures/sub/missing.md does not exist",
      "5: link to sub/other.md#no-such-heading: scripts/check-docs/fixtures/sub/other.md has no heading with the anchor #no-such-heading",
      "5: link to sub/other.md#not-a-heading: scripts/check-docs/fixtures/sub/other.md has no heading with the anchor #not-a-heading",
      "7: link to #nowhere: scripts/check-docs/fixtures/bad.md has no heading with the anchor #nowhere",
      "7: link to sub#x: an anchor can only be checked in a markdown page",
    ]);
    expect(new Set(problems.map((problem) => problem.file))).toEqual(new Set(["scripts/check-docs/fixtures/bad.md"]));
  });
});

describe("checkSnippets", () => {
  // One TypeScript program over the engine's sources and the platform's types: slow on a loaded machine.
  it("type-checks each block against the repository, skips fragments, and reports errors at the page's line", {
    timeout: 120_000,
  }, () => {
    const report = checkSnippets([join(fixtures, "snippets.md")], root);
    expect(report.checked).toBe(4);
    expect(report.skipped).toEqual([{ file: "scripts/check-docs/fixtures/snippets.md", line: 25 }]);
    expect(report.problems).toEqual([
      {
        file: "scripts/check-docs/fixtures/snippets.md",
        line: 42,
        message: "TS2322: Type 'string' is not assignable to type 'number'.",
      },
    ]);
  });
});
