// Draws a task's DAG as a tree of steps with their states: each step under its first dependency, large sibling groups folded.
import type { StepView, TaskView } from "tasker-edge/client";
import { type Style, stateColor } from "./style";

/** More leaf siblings than this with the same handler (a batch's workers) are shown as one line with counts per state. */
export const FOLD_SIBLINGS_ABOVE = 12;

/** What the tree shows of a step; a template's step passes its type where a task's step has its state. */
export type StepLike = Pick<
  StepView,
  "name" | "dependencies" | "attempts" | "max_attempts" | "callable" | "last_error" | "next_retry_at" | "child_task_uuid"
> & { current_state: string };

interface Node {
  step: StepLike;
  children: Node[];
}

/** The forest: each step hangs under its first dependency that exists; a step without one is a root. */
export function stepForest(steps: readonly StepLike[]): Node[] {
  const nodes = new Map<string, Node>();
  for (const step of steps) nodes.set(step.name, { step, children: [] });
  const roots: Node[] = [];
  for (const step of steps) {
    const node = nodes.get(step.name) as Node;
    const parent = step.dependencies.map((name) => nodes.get(name)).find((candidate) => candidate !== undefined);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

function stepLine(step: StepLike, style: Style): string {
  const parts = [style.paint("bold", step.name), style.paint(stateColor(step.current_state), step.current_state)];
  if (step.attempts > 1 || step.last_error !== null)
    parts.push(style.paint("gray", `attempt ${step.attempts}/${step.max_attempts}`));
  if (step.dependencies.length > 1) parts.push(style.paint("gray", `after ${step.dependencies.join(", ")}`));
  if (step.child_task_uuid) parts.push(style.paint("gray", `child ${step.child_task_uuid}`));
  if (step.next_retry_at && step.current_state === "waiting_for_retry")
    parts.push(style.paint("gray", `retry at ${step.next_retry_at}`));
  // The last error explains a step that is failing; once repaired it is in the audit, not on the tree.
  if (step.last_error && (step.current_state === "error" || step.current_state === "waiting_for_retry")) {
    parts.push(style.paint("red", `${step.last_error.error_code}: ${step.last_error.message}`));
  }
  return parts.join("  ");
}

/** Leaf siblings sharing a handler, when there are more than FOLD_SIBLINGS_ABOVE of them, become one group. */
function foldSiblings(children: Node[]): (Node | { group: string; members: StepLike[] })[] {
  const leavesByCallable = new Map<string, Node[]>();
  for (const child of children) {
    if (child.children.length > 0) continue;
    const list = leavesByCallable.get(child.step.callable) ?? [];
    list.push(child);
    leavesByCallable.set(child.step.callable, list);
  }
  const folded = new Set<string>();
  for (const [callable, list] of leavesByCallable) if (list.length > FOLD_SIBLINGS_ABOVE) folded.add(callable);
  const out: (Node | { group: string; members: StepLike[] })[] = [];
  const emitted = new Set<string>();
  for (const child of children) {
    const callable = child.step.callable;
    if (child.children.length === 0 && folded.has(callable)) {
      if (!emitted.has(callable)) {
        emitted.add(callable);
        out.push({ group: callable, members: (leavesByCallable.get(callable) ?? []).map((n) => n.step) });
      }
    } else out.push(child);
  }
  return out;
}

function groupLine(group: string, members: StepLike[], style: Style): string {
  const counts = new Map<string, number>();
  for (const member of members) counts.set(member.current_state, (counts.get(member.current_state) ?? 0) + 1);
  const states = [...counts].map(([state, n]) => style.paint(stateColor(state), `${n} ${state}`)).join(", ");
  return `${style.paint("bold", `${members.length} × ${group}`)}  ${states}`;
}

/** The tree's lines, drawn with box characters. */
export function renderStepTree(steps: readonly StepLike[], style: Style): string[] {
  const lines: string[] = [];
  const walk = (nodes: Node[], prefix: string) => {
    const items = foldSiblings(nodes);
    items.forEach((item, i) => {
      const last = i === items.length - 1;
      const branch = `${prefix}${last ? "└─ " : "├─ "}`;
      if ("group" in item) {
        lines.push(branch + groupLine(item.group, item.members, style));
        return;
      }
      lines.push(branch + stepLine(item.step, style));
      walk(item.children, `${prefix}${last ? "   " : "│  "}`);
    });
  };
  walk(stepForest(steps), "");
  return lines;
}

/** `tasks show`: the task's heading, then its steps as a tree. */
export function renderTask(task: TaskView, steps: readonly StepLike[], style: Style): string {
  const heading = [
    style.paint("bold", `${task.namespace}/${task.name}@${task.version}`),
    task.task_uuid,
    style.paint(stateColor(task.status), task.status),
    `${task.completed_steps}/${task.total_steps} steps complete`,
  ].join("  ");
  const details = [`created ${task.created_at} by ${task.initiator}`];
  if (task.parent_task_uuid) details.push(`child of ${task.parent_task_uuid} (step ${task.parent_step_name})`);
  if (task.completed_at) details.push(`finished ${task.completed_at}`);
  return [heading, style.paint("gray", details.join(" · ")), ...renderStepTree(steps, style)].join("\n");
}
