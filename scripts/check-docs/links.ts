// Checks that every relative link in the docs reaches a file, and every #anchor a heading of its target page.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { anchors, links } from "./markdown.ts";

export interface Problem {
  /** The doc, relative to the repository root. */
  file: string;
  line: number;
  message: string;
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/** Checks the links of `files` (absolute paths); links may point anywhere inside or outside that set. */
export function checkLinks(files: string[], root: string): Problem[] {
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (path: string) => {
    let found = anchorCache.get(path);
    if (!found) {
      found = anchors(readFileSync(path, "utf8"));
      anchorCache.set(path, found);
    }
    return found;
  };
  const problems: Problem[] = [];
  for (const file of files) {
    const name = relative(root, file);
    for (const link of links(readFileSync(file, "utf8"))) {
      if (EXTERNAL.test(link.target) || link.target.startsWith("//")) continue;
      const hashAt = link.target.indexOf("#");
      const pathPart = hashAt === -1 ? link.target : link.target.slice(0, hashAt);
      const anchor = hashAt === -1 ? undefined : decodeURIComponent(link.target.slice(hashAt + 1));
      const path = pathPart === "" ? file : resolve(dirname(file), decodeURIComponent(pathPart.split("?")[0] ?? ""));
      const report = (message: string) => problems.push({ file: name, line: link.line, message });
      if (!existsSync(path)) {
        report(`link to ${link.target}: ${relative(root, path) || "."} does not exist`);
        continue;
      }
      if (anchor === undefined || anchor === "") continue;
      if (statSync(path).isDirectory() || !path.endsWith(".md")) {
        report(`link to ${link.target}: an anchor can only be checked in a markdown page`);
        continue;
      }
      if (!anchorsOf(path).has(anchor)) {
        report(`link to ${link.target}: ${relative(root, path)} has no heading with the anchor #${anchor}`);
      }
    }
  }
  return problems;
}
