// The query strings of the step list and the template list (the task list's is in task-query.ts).
import { z } from "zod";
import { MAX_NAMESPACE_LENGTH } from "../shared/limits";
import { pageParameters } from "./pagination";
import { queryText } from "./query-string";

/** Steps per page of `GET …/workflow_steps` unless `per_page` says otherwise, and the most it may ask for. */
export const STEPS_PER_PAGE = 500;
export const MAX_STEPS_PER_PAGE = 1_000;

/** `GET /v1/tasks/{task_uuid}/workflow_steps`: a page of the task's steps. */
export const StepListQuerySchema = z
  .object(pageParameters({ perPage: STEPS_PER_PAGE, maxPerPage: MAX_STEPS_PER_PAGE, noun: "steps" }))
  .strict();

/** `GET /v1/templates`: optionally one namespace's templates. */
export const TemplateListQuerySchema = z
  .object({ namespace: queryText(MAX_NAMESPACE_LENGTH).optional().describe("only this namespace's templates") })
  .strict();
