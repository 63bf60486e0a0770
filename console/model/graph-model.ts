// The graph the console draws: a template's steps (or a task's, as created at run time) as nodes and edges, workers grouped.
import type { BatchSummary, StepView, TemplateStep } from "../../src/client/types";
import { countByState, groupState, type NodeState, type StepState, workerTemplateOf } from "./batch-group";

export type TemplateStepShape = Pick<TemplateStep, "name" | "type" | "dependencies">;

/** One step: created (with its view) or, while `step` is null, only in the template. */
export interface StepNode {
  kind: "step";
  id: string;
  name: string;
  type: string;
  state: NodeState;
  step: StepView | null;
}

/** A batch's workers, made from one worker template, drawn as one node. */
export interface BatchNode {
  kind: "batch";
  id: string;
  name: string;
  state: NodeState;
  counts: Partial<Record<StepState, number>>;
  /** Every worker of the group, whether read one by one or counted by the server. */
  total: number;
  /** The batchable step that made the workers (the API's `batch` filter); null while none exists. */
  batchableStep: string | null;
}

export type GraphNode = StepNode | BatchNode;

export interface GraphEdge {
  from: string;
  to: string;
}

export interface GraphModel {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const stepNodeId = (name: string): string => `step:${name}`;
export const batchNodeId = (workerTemplate: string): string => `batch:${workerTemplate}`;

/**
 * Builds the graph from the template's steps and the steps the task has created (none for a template
 * that has not run). A created step takes its run-time dependencies (a decision wires its branches
 * there); a template step not created yet keeps the template's. Every worker of a batch folds into
 * its worker template's one node, so a 10,000-worker batch is one node and its edges one edge each.
 * `batches` are the server's counts (`/step_graph`, which leaves the workers out of `steps`): a
 * group takes them over the workers it was given.
 */
export function buildGraph(
  templateSteps: readonly TemplateStepShape[],
  steps: readonly StepView[],
  batches: readonly BatchSummary[] = [],
): GraphModel {
  const workerTemplates = templateSteps.filter((step) => step.type === "batch_worker").map((step) => step.name);
  const byName = new Map<string, StepView>();
  const workersOf = new Map<string, StepView[]>();
  // A dependency names a step, a worker, or (in the template) a worker template: each maps to the node drawn for it.
  const nodeOfStep = new Map<string, string>(
    templateSteps.map((step) => [step.name, step.type === "batch_worker" ? batchNodeId(step.name) : stepNodeId(step.name)]),
  );
  for (const step of steps) {
    const group = workerTemplateOf(step, workerTemplates);
    if (group === null) {
      byName.set(step.name, step);
      nodeOfStep.set(step.name, stepNodeId(step.name));
    } else {
      const workers = workersOf.get(group) ?? [];
      workers.push(step);
      workersOf.set(group, workers);
      nodeOfStep.set(step.name, batchNodeId(group));
    }
  }

  const nodes: GraphNode[] = [];
  const dependenciesOf = new Map<string, readonly string[]>();
  for (const definition of templateSteps) {
    if (definition.type === "batch_worker") {
      const workers = workersOf.get(definition.name) ?? [];
      const summary = batches.find((batch) => batch.worker_template === definition.name);
      const counts = summary ? { ...summary.counts } : countByState(workers);
      const total = summary ? summary.total : workers.length;
      const batchableStep =
        summary?.batchable_step ??
        templateSteps.find((step) => step.type === "batchable" && definition.dependencies.includes(step.name))?.name ??
        null;
      const id = batchNodeId(definition.name);
      nodes.push({ kind: "batch", id, name: definition.name, state: groupState(counts), counts, total, batchableStep });
      const runtimeDependencies = new Set(workers.flatMap((worker) => worker.dependencies));
      dependenciesOf.set(id, workers.length > 0 ? [...runtimeDependencies] : definition.dependencies);
      continue;
    }
    const step = byName.get(definition.name) ?? null;
    const id = stepNodeId(definition.name);
    nodes.push({
      kind: "step",
      id,
      name: definition.name,
      type: definition.type,
      state: step?.current_state ?? "not_created",
      step,
    });
    dependenciesOf.set(id, step?.dependencies ?? definition.dependencies);
    byName.delete(definition.name);
  }
  // Steps of no template step (a task whose template is gone or unknown to the reader): drawn from what the task says.
  for (const step of byName.values()) {
    const id = stepNodeId(step.name);
    nodes.push({ kind: "step", id, name: step.name, type: step.type, state: step.current_state, step });
    dependenciesOf.set(id, step.dependencies);
  }

  const present = new Set(nodes.map((node) => node.id));
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const [to, dependencies] of dependenciesOf) {
    for (const dependency of dependencies) {
      // A worker not read (the server counted it instead) still maps to its group by its name.
      const group = nodeOfStep.has(dependency)
        ? null
        : workerTemplateOf({ name: dependency, type: "batch_worker" }, workerTemplates);
      const from = nodeOfStep.get(dependency) ?? (group === null ? stepNodeId(dependency) : batchNodeId(group));
      const key = `${from}\u0000${to}`;
      if (from === to || !present.has(from) || seen.has(key)) continue;
      seen.add(key);
      edges.push({ from, to });
    }
  }
  return { nodes, edges };
}

/** A key that changes exactly when the drawing's shape (not its colours) changes, so a poll re-lays out only then. */
export function shapeKey(model: GraphModel): string {
  return JSON.stringify([model.nodes.map((node) => node.id), model.edges.map((edge) => [edge.from, edge.to])]);
}
