// The set of templates an engine can run, looked up by exact (namespace, name, version) as Tasker does.
import type { TaskTemplate } from "./types";
import { findWorkflowCycle } from "./workflow-references";

export interface NamespaceSummary {
  name: string;
  template_count: number;
}

export interface TemplateFilter {
  namespace?: string;
}

const keyOf = (namespace: string, name: string, version: string) => JSON.stringify([namespace, name, version]);
const identity = (template: TaskTemplate) => `${template.namespace_name}/${template.name}@${template.version}`;

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Text with its digit runs compared as numbers, so 1.10.0 comes after 1.9.0. */
function compareWithNumbers(a: string, b: string): number {
  const partsA = a.split(/(\d+)/);
  const partsB = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(partsA.length, partsB.length); i++) {
    const [x = "", y = ""] = [partsA[i], partsB[i]];
    // split() with a capturing group puts the digit runs at the odd positions.
    const order = i % 2 === 1 ? Number(x) - Number(y) || x.length - y.length : compareText(x, y);
    if (order !== 0) return Math.sign(order);
  }
  return Math.sign(partsA.length - partsB.length);
}

/** Semver pre-release precedence: identifier by identifier, numbers below words, more identifiers above fewer. */
function comparePrereleases(a: string, b: string): number {
  const idsA = a.split(".");
  const idsB = b.split(".");
  for (let i = 0; i < Math.min(idsA.length, idsB.length); i++) {
    const [x = "", y = ""] = [idsA[i], idsB[i]];
    const [numericX, numericY] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    const order = numericX && numericY ? compareWithNumbers(x, y) : numericX ? -1 : numericY ? 1 : compareText(x, y);
    if (order !== 0) return order;
  }
  return Math.sign(idsA.length - idsB.length);
}

/** `1.2.0-rc.1+build.5` → release `1.2.0`, pre-release `rc.1`, build `build.5`. */
function versionParts(version: string): { release: string; prerelease: string | null; build: string } {
  const plus = version.indexOf("+");
  const main = plus === -1 ? version : version.slice(0, plus);
  const dash = main.indexOf("-");
  return {
    release: dash === -1 ? main : main.slice(0, dash),
    prerelease: dash === -1 ? null : main.slice(dash + 1),
    build: plus === -1 ? "" : version.slice(plus + 1),
  };
}

/**
 * Orders versions by semver precedence, and any other version text sensibly: numeric parts compare
 * as numbers (1.10.0 after 1.9.0), a pre-release comes before its release (2.0.0-rc.1 before
 * 2.0.0), pre-releases compare identifier by identifier. Build metadata, then the plain text, break
 * the ties semver leaves, so two different versions never compare equal.
 */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [versionParts(a), versionParts(b)];
  const prerelease =
    x.prerelease === y.prerelease
      ? 0
      : x.prerelease === null
        ? 1
        : y.prerelease === null
          ? -1
          : comparePrereleases(x.prerelease, y.prerelease);
  return compareWithNumbers(x.release, y.release) || prerelease || compareWithNumbers(x.build, y.build) || compareText(a, b);
}

function compareTemplates(a: TaskTemplate, b: TaskTemplate): number {
  if (a.namespace_name !== b.namespace_name) return a.namespace_name < b.namespace_name ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return compareVersions(a.version, b.version);
}

export class TemplateRegistry {
  readonly #templates = new Map<string, TaskTemplate>();
  readonly #sorted: readonly TaskTemplate[];

  /**
   * Throws when two templates share (namespace, name, version), which would make the one that runs
   * ambiguous, or when templates start each other as child tasks in a loop.
   */
  constructor(templates: Iterable<TaskTemplate>) {
    const duplicates: string[] = [];
    for (const template of templates) {
      const key = keyOf(template.namespace_name, template.name, template.version);
      if (this.#templates.has(key)) duplicates.push(identity(template));
      else this.#templates.set(key, template);
    }
    if (duplicates.length > 0) throw new Error(`duplicate templates: ${duplicates.join(", ")}`);
    // A loop would start child tasks until the depth limit stopped it; refuse it when the templates load.
    const cycle = findWorkflowCycle([...this.#templates.values()]);
    if (cycle) throw new Error(`templates start each other as child tasks in a loop: ${cycle.join(" → ")}`);
    this.#sorted = [...this.#templates.values()].sort(compareTemplates);
  }

  get size(): number {
    return this.#templates.size;
  }

  get(namespace: string, name: string, version: string): TaskTemplate | undefined {
    return this.#templates.get(keyOf(namespace, name, version));
  }

  /** Templates sorted by namespace, name and version, optionally only one namespace's. */
  list(filter?: TemplateFilter): TaskTemplate[] {
    const namespace = filter?.namespace;
    return namespace === undefined ? [...this.#sorted] : this.#sorted.filter((t) => t.namespace_name === namespace);
  }

  /** Each namespace with how many templates it holds, sorted by name. */
  namespaces(): NamespaceSummary[] {
    const counts = new Map<string, number>();
    for (const template of this.#sorted) counts.set(template.namespace_name, (counts.get(template.namespace_name) ?? 0) + 1);
    return [...counts].map(([name, template_count]) => ({ name, template_count }));
  }
}
