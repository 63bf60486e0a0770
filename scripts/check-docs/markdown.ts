// Markdown reading for the docs check: fenced code blocks, heading anchors (GitHub's slug rules) and relative links.

export interface CodeBlock {
  /** The first word of the info string (`ts`, `sh`, …), lower case; "" when there is none. */
  lang: string;
  /** The rest of the info string, split on spaces (`fragment`, `continues`, `in=examples/x`). */
  flags: string[];
  /** 1-based line of the opening fence. */
  line: number;
  /** The block's text, with the fence's indentation removed from each line. */
  code: string;
}

export interface Link {
  target: string;
  /** 1-based line the link is on. */
  line: number;
}

interface Line {
  text: string;
  /** 1-based. */
  number: number;
  inFence: boolean;
}

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;

/** Every line, marked when it lies inside a fenced code block (the fences themselves included). */
function scanLines(markdown: string): { lines: Line[]; blocks: CodeBlock[] } {
  const lines: Line[] = [];
  const blocks: CodeBlock[] = [];
  let open: { marker: string; indent: number; block: CodeBlock; body: string[] } | undefined;
  markdown.split("\n").forEach((raw, index) => {
    const text = raw.replace(/\r$/, "");
    const number = index + 1;
    // A fence inside a list item is indented further; strip up to the list's indentation first.
    const stripped = text.replace(/^\s*/, "");
    const indent = text.length - stripped.length;
    const fence = FENCE.exec(`${" ".repeat(Math.min(indent, 3))}${stripped}`);
    if (open) {
      lines.push({ text, number, inFence: true });
      const closes =
        fence !== null &&
        fence[2] !== undefined &&
        fence[2][0] === open.marker[0] &&
        fence[2].length >= open.marker.length &&
        fence[3]?.trim() === "";
      if (closes) {
        open.block.code = open.body.join("\n");
        blocks.push(open.block);
        open = undefined;
      } else {
        open.body.push(text.slice(Math.min(open.indent, indent)));
      }
      return;
    }
    if (fence?.[2] !== undefined) {
      const [lang = "", ...flags] = (fence[3] ?? "").trim().split(/\s+/).filter(Boolean);
      open = { marker: fence[2], indent, block: { lang: lang.toLowerCase(), flags, line: number, code: "" }, body: [] };
      lines.push({ text, number, inFence: true });
      return;
    }
    lines.push({ text, number, inFence: false });
  });
  if (open) {
    open.block.code = open.body.join("\n");
    blocks.push(open.block);
  }
  return { lines, blocks };
}

export function codeBlocks(markdown: string): CodeBlock[] {
  return scanLines(markdown).blocks;
}

/** The text a heading renders to: inline code, links and emphasis reduced to their words. */
function headingText(source: string): string {
  return source
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(^|\W)[*_](.+?)[*_](?=\W|$)/g, "$1$2");
}

/** GitHub's heading slug: lower case, punctuation dropped, each space a hyphen. */
export function githubSlug(heading: string): string {
  return headingText(heading)
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a page offers: its headings' slugs (a repeated slug gets -1, -2, …) and HTML ids. */
export function anchors(markdown: string): Set<string> {
  const { lines } = scanLines(markdown);
  const found = new Set<string>();
  const seen = new Map<string, number>();
  const addHeading = (text: string) => {
    const base = githubSlug(text);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  };
  lines.forEach((line, i) => {
    if (line.inFence) return;
    const atx = /^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$/.exec(line.text);
    if (atx) {
      addHeading(atx[1] ?? "");
    } else {
      const next = lines[i + 1];
      const isText = line.text.trim() !== "" && !/^\s*([-*+>|]|\d+\.)/.test(line.text);
      if (next && !next.inFence && isText && /^ {0,3}(=+|-+)\s*$/.test(next.text)) addHeading(line.text);
    }
    for (const id of line.text.matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)="([^"]+)"/g)) {
      if (id[1]) found.add(id[1]);
    }
  });
  return found;
}

/** The targets of inline links and images and of link reference definitions, outside code. */
export function links(markdown: string): Link[] {
  const found: Link[] = [];
  for (const line of scanLines(markdown).lines) {
    if (line.inFence) continue;
    const text = line.text.replace(/(`+)(?:(?!\1).)+?\1/g, "");
    for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) {
      if (match[1]) found.push({ target: match[1], line: line.number });
    }
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(text);
    if (definition?.[1]) found.push({ target: definition[1], line: line.number });
  }
  return found;
}
