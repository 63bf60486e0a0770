// Rules that tie steps of special types together: batches and their workers, convergence, sub-workflows.
import { SLEEP_HANDLER, WAIT_FOR_EVENT_HANDLER, WORKFLOW_HANDLER } from "../shared/names";
import { childrenByName, descendantsOf } from "../shared/step-graph";
import { parseEventWaitConfig, parseSleepConfig, stepsReadBy } from "../shared/wait-config";
import { formatPath } from "./paths";
import type { TaskTemplate, TemplateProblem } from "./types";
import { parseWorkflowConfig } from "./workflow-config";

/** Problems of a schema-valid, acyclic template's special step types, each at the offending key. */
export function checkStepTypes(template: TaskTemplate): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const at = (index: number, ...rest: (string | number)[]) => formatPath(["steps", index, ...rest]);
  const indexByName = new Map(template.steps.map((step, index) => [step.name, index]));
  const workersClaimed = new Map<string, string>();

  template.steps.forEach((step, index) => {
    if (step.type === "batchable" && !step.batch_config) {
      problems.push({ path: at(index, "batch_config"), message: "is required: a batchable step names its worker template here" });
    }
    if (step.type !== "batchable" && step.batch_config) {
      problems.push({
        path: at(index, "batch_config"),
        message: `only batchable steps take batch_config (this step is ${step.type})`,
      });
    }
    const config = step.type === "batchable" ? step.batch_config : undefined;
    if (config) {
      const workerIndex = indexByName.get(config.worker_template);
      const worker = workerIndex === undefined ? undefined : template.steps[workerIndex];
      const path = at(index, "batch_config", "worker_template");
      if (!worker) problems.push({ path, message: `names no step: "${config.worker_template}"` });
      else if (worker.type !== "batch_worker") {
        problems.push({ path, message: `"${worker.name}" must have type batch_worker (it is ${worker.type})` });
      } else if (!worker.dependencies.includes(step.name)) {
        problems.push({ path, message: `"${worker.name}" must list "${step.name}" in its dependencies` });
      } else {
        const other = workersClaimed.get(worker.name);
        if (other) problems.push({ path, message: `"${worker.name}" is already the worker template of "${other}"` });
        else workersClaimed.set(worker.name, step.name);
      }
    }
    if (step.type === "deferred_convergence" && step.dependencies.length === 0) {
      problems.push({ path: at(index, "dependencies"), message: "a deferred_convergence step lists every step it may wait for" });
    }
    if (step.handler.callable === WORKFLOW_HANDLER) {
      if (step.type !== "standard") {
        problems.push({ path: at(index, "type"), message: `a ${WORKFLOW_HANDLER} step must be standard (it is ${step.type})` });
      }
      const parsed = parseWorkflowConfig(step.handler.initialization);
      if (!parsed.ok) {
        for (const problem of parsed.problems) {
          problems.push({ path: `${at(index, "handler", "initialization")}.${problem.path}`, message: problem.message });
        }
      }
    }
    if (step.handler.callable === SLEEP_HANDLER || step.handler.callable === WAIT_FOR_EVENT_HANDLER) {
      problems.push(...waitStepProblems(template, index));
    }
  });

  template.steps.forEach((step, index) => {
    if (step.type === "batch_worker" && !workersClaimed.has(step.name)) {
      problems.push({ path: at(index, "type"), message: "no batchable step names this batch_worker as its worker_template" });
    }
  });
  // A convergence step is created by the decision or batch above it; anywhere else nothing would create it.
  const createdLater = belowDecisionsOrWorkers(template);
  template.steps.forEach((step, index) => {
    if (step.type === "deferred_convergence" && step.dependencies.length > 0 && !createdLater.has(step.name)) {
      problems.push({
        path: at(index, "type"),
        message:
          "a deferred_convergence step must be below a decision or a batch_worker step (they create it); use standard here",
      });
    }
  });
  return problems;
}

/** Names of the steps below some decision or batch_worker step. */
function belowDecisionsOrWorkers(template: TaskTemplate): Set<string> {
  const children = childrenByName(template.steps);
  return new Set(
    template.steps
      .filter((s) => s.type === "decision" || s.type === "batch_worker")
      .flatMap((s) => [...descendantsOf(s.name, children)]),
  );
}

/** A sleep or wait-for-event step: a standard step whose config parses and reads only its ancestors' results. */
function waitStepProblems(template: TaskTemplate, index: number): TemplateProblem[] {
  const step = template.steps[index];
  if (!step) return [];
  const problems: TemplateProblem[] = [];
  const at = (...rest: (string | number)[]) => formatPath(["steps", index, ...rest]);
  const callable = step.handler.callable;
  if (step.type !== "standard")
    problems.push({ path: at("type"), message: `a ${callable} step must be standard (it is ${step.type})` });
  const parsed =
    callable === SLEEP_HANDLER
      ? parseSleepConfig(step.handler.initialization)
      : parseEventWaitConfig(step.handler.initialization);
  if (!parsed.ok) {
    for (const problem of parsed.problems)
      problems.push({ path: `${at("handler", "initialization")}.${problem.path}`, message: problem.message });
    return problems;
  }
  const children = childrenByName(template.steps);
  for (const name of stepsReadBy(parsed.config)) {
    if (!descendantsOf(name, children).has(step.name)) {
      problems.push({
        path: at("handler", "initialization"),
        message: `reads steps.${name}, which is not an ancestor of this step: only an ancestor's result is known when the wait starts`,
      });
    }
  }
  return problems;
}
