// Refuses a template with more steps than one task may hold, when it is registered or a task of it is created.

import { maxTaskSteps } from "../limits-config";
import { STEP_LIMIT_EXCEEDED } from "../shared/limits";
import type { TaskTemplate } from "../templates/types";
import { ApiError } from "./errors";

/** 400 `step_limit_exceeded` for a template that alone holds more steps than the ceiling (`TASKER_MAX_TASK_STEPS`). */
export function requireWithinStepCeiling(env: unknown, template: TaskTemplate): void {
  const ceiling = maxTaskSteps(env);
  if (template.steps.length <= ceiling) return;
  throw new ApiError(
    400,
    STEP_LIMIT_EXCEEDED,
    `${template.namespace_name}/${template.name}@${template.version} has ${template.steps.length} steps; a task may hold at most ${ceiling}`,
    { max_task_steps: ceiling, template_steps: template.steps.length },
  );
}
