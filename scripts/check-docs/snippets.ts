// Type-checks the docs' TypeScript blocks: each becomes a module beside its page, with the package names mapped to src/.
import { readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import type { Problem } from "./links.ts";
import { type CodeBlock, codeBlocks } from "./markdown.ts";

/** Info-string flags: `fragment` is not checked; `continues` joins the page's previous checked block. */
export const FRAGMENT = "fragment";
export const CONTINUES = "continues";
/** `in=<dir>`: check the block as a module in that directory (from the repository root), for its relative imports. */
const IN_DIRECTORY = "in=";

const TYPESCRIPT = new Set(["ts", "typescript", "tsx"]);

/** The package's entries, as code in this repository imports them. */
export const PACKAGE_PATHS: Record<string, string> = {
  "tasker-edge": "src/index.ts",
  "tasker-edge/worker": "src/worker/index.ts",
  "tasker-edge/client": "src/client/index.ts",
};

interface Segment {
  /** 0-based line of the module where this block's code starts. */
  moduleLine: number;
  /** 1-based line of the block's first code line in its page. */
  docLine: number;
}

interface Snippet {
  page: string;
  path: string;
  text: string;
  segments: Segment[];
}

export interface SnippetReport {
  checked: number;
  skipped: { file: string; line: number }[];
  problems: Problem[];
}

export function isTypeScript(block: CodeBlock): boolean {
  return TYPESCRIPT.has(block.lang);
}

/** Turns the pages' TypeScript blocks into modules; returns the modules and the blocks left unchecked. */
export function collectSnippets(pages: string[], root: string): Omit<SnippetReport, "problems"> & { snippets: Snippet[] } {
  const snippets: Snippet[] = [];
  const skipped: SnippetReport["skipped"] = [];
  let checked = 0;
  for (const page of pages) {
    const name = relative(root, page);
    let previous: Snippet | undefined;
    for (const block of codeBlocks(readFileSync(page, "utf8")).filter(isTypeScript)) {
      if (block.flags.includes(FRAGMENT)) {
        skipped.push({ file: name, line: block.line });
        continue;
      }
      checked += 1;
      if (block.flags.includes(CONTINUES) && previous) {
        previous.segments.push({ moduleLine: previous.text.split("\n").length, docLine: block.line + 1 });
        previous.text += `\n${block.code}`;
        continue;
      }
      const inDirectory = block.flags.find((flag) => flag.startsWith(IN_DIRECTORY))?.slice(IN_DIRECTORY.length);
      const directory = inDirectory === undefined ? dirname(page) : resolve(root, inDirectory);
      previous = {
        page: name,
        path: join(directory, `__docs_snippet_${basename(page, ".md")}_L${block.line}.ts`),
        text: block.code,
        segments: [{ moduleLine: 0, docLine: block.line + 1 }],
      };
      snippets.push(previous);
    }
  }
  return { checked, skipped, snippets };
}

/** The repository's compiler options with the package names mapped to src/, and the declaration files the
 * engine's sources need (the generated Env, the YAML text modules). */
function repositoryProgram(root: string): { options: ts.CompilerOptions; declarations: string[] } {
  const configPath = join(root, "tsconfig.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  const paths = Object.fromEntries(Object.entries(PACKAGE_PATHS).map(([name, path]) => [name, [join(root, path)]]));
  const src = join(root, "src");
  return {
    options: { ...parsed.options, noEmit: true, paths: { ...parsed.options.paths, ...paths } },
    declarations: parsed.fileNames.filter((file) => file.startsWith(`${src}/`) && file.endsWith(".d.ts")),
  };
}

/** Type-checks every snippet in one program; problems are reported at the page's line. */
export function checkSnippets(pages: string[], root: string): SnippetReport {
  const { checked, skipped, snippets } = collectSnippets(pages, root);
  if (snippets.length === 0) return { checked, skipped, problems: [] };
  const { options, declarations } = repositoryProgram(root);
  const modules = new Map(snippets.map((snippet) => [snippet.path, snippet]));
  const host = ts.createCompilerHost(options, true);
  const moduleText = (snippet: Snippet) => `${snippet.text}\nexport {};\n`;
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (path) => modules.has(path) || fileExists.call(host, path);
  host.readFile = (path) => {
    const snippet = modules.get(path);
    return snippet ? moduleText(snippet) : readFile.call(host, path);
  };
  host.getSourceFile = (path, languageVersion, onError, shouldCreate) => {
    const snippet = modules.get(path);
    if (snippet) return ts.createSourceFile(path, moduleText(snippet), languageVersion, true, ts.ScriptKind.TS);
    return getSourceFile.call(host, path, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram({
    rootNames: [...snippets.map((snippet) => snippet.path), ...declarations],
    options,
    host,
  });
  const problems = ts.getPreEmitDiagnostics(program).map((diagnostic): Problem => {
    const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
    if (!diagnostic.file || diagnostic.start === undefined) return { file: "(program)", line: 0, message };
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const snippet = modules.get(diagnostic.file.fileName);
    if (!snippet) return { file: relative(root, diagnostic.file.fileName), line: line + 1, message };
    const segment = snippet.segments.findLast((candidate) => candidate.moduleLine <= line) ?? snippet.segments[0];
    const docLine = segment ? segment.docLine + line - segment.moduleLine : line + 1;
    return { file: snippet.page, line: docLine, message };
  });
  return { checked, skipped, problems };
}
