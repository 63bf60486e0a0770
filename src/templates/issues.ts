// Turns zod issues about a raw template into TemplateProblems with readable messages and paths.
import type { z } from "zod";
import { formatPath } from "./paths";
import { knownKeysAt } from "./schema";
import type { TemplateProblem } from "./types";

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known key a typo most likely meant: a close spelling, or a key the typo is a prefix of (`timeout`). */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { key: candidate, distance };
    }
  }
  return best?.key ?? known.find((candidate) => key.length >= 4 && candidate.startsWith(key));
}

export function issuesToProblems(issues: readonly z.core.$ZodIssue[]): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      // One problem per key, each at the key's own path, so an editor can point at every typo.
      const known = knownKeysAt(issue.path);
      for (const key of issue.keys) {
        const suggestion = suggestKey(key, known);
        problems.push({
          path: formatPath([...issue.path, key]),
          message: `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`,
        });
      }
    } else {
      problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return problems;
}
