// Handlers of the expense approval template: a decision step routes each expense to the approvals it needs.
import {
  DecisionOutcome,
  type DecisionResult,
  PermanentError,
  type StepContext,
  StepHandler,
  StepHandlerResult,
} from "tasker-edge/worker";

/** Expenses below this are approved automatically; from here up a manager approves. */
export const AUTO_APPROVAL_LIMIT = 100;
/** From here up finance reviews too. */
export const FINANCE_REVIEW_LIMIT = 1_000;

export class ExpenseValidationHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const amount = context.getInput("amount");
    if (typeof amount !== "number" || !Number.isFinite(amount) || amount <= 0) {
      throw new PermanentError("amount must be a positive number", { errorCode: "invalid_amount" });
    }
    return StepHandlerResult.success({ amount, employee: context.getInputOr("employee", "unknown") });
  }
}

/**
 * The decision: which approvals this expense needs. A context `route_to` list overrides the rules
 * (an operator re-routing an expense by hand); the task object checks those names against the template.
 */
export class ApprovalRoutingHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const { amount } = context.getDependencyResult<{ amount: number }>("validate_expense") ?? { amount: 0 };
    const override = context.getInput("route_to");
    const route = Array.isArray(override) ? override.map(String) : routeFor(amount);
    const result: DecisionResult = DecisionOutcome.createSteps(route, { amount, routed_to: route });
    return StepHandlerResult.success(result);
  }
}

export function routeFor(amount: number): string[] {
  if (amount < AUTO_APPROVAL_LIMIT) return ["auto_approve"];
  if (amount < FINANCE_REVIEW_LIMIT) return ["manager_approval"];
  return ["manager_approval", "finance_review"];
}

/** One approval; `handler.initialization.approver` says whose. */
export class ApprovalHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const approver = context.getConfig<string>("approver") ?? "unknown";
    return StepHandlerResult.success({ approved: true, approver });
  }
}

/** The convergence step: runs once every approval that was created has finished, whichever they were. */
export class ExpenseFinalizeHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const approvals = ["auto_approve", "manager_approval", "finance_review"].filter((name) =>
      Object.hasOwn(context.dependencyResults, name),
    );
    return StepHandlerResult.success({ status: "approved", approvals });
  }
}

/** expense_decision's decision: the manager's wait timed out (its result says `escalated`), or the manager decided. */
export class EscalationRoutingHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const decision = context.getDependencyResult<{ escalated?: boolean }>("manager_decision") ?? {};
    const route = decision.escalated === true ? ["director_decision"] : ["accept_manager_decision"];
    return StepHandlerResult.success(DecisionOutcome.createSteps(route, { escalated: decision.escalated === true }));
  }
}

/** Records a decision event's payload (`approved`, `comment`) with who made it. */
export class RecordDecisionHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const source = context.getConfig<string>("source") ?? "";
    const event = context.getDependencyResult<{ approved?: unknown; comment?: unknown }>(source) ?? {};
    if (typeof event.approved !== "boolean") {
      throw new PermanentError(`the ${source} event's payload needs "approved": true or false`, {
        errorCode: "invalid_decision",
      });
    }
    return StepHandlerResult.success({
      approved: event.approved,
      comment: typeof event.comment === "string" ? event.comment : null,
      decided_by: context.getConfig<string>("decided_by") ?? "unknown",
    });
  }
}

/** The convergence step of expense_decision: the decision that was recorded, the manager's or the director's. */
export class ExpenseDecisionFinalizeHandler extends StepHandler {
  async call(context: StepContext): Promise<StepHandlerResult> {
    const recorded =
      context.getDependencyResult<{ approved: boolean; decided_by: string }>("accept_manager_decision") ??
      context.getDependencyResult<{ approved: boolean; decided_by: string }>("record_director_decision");
    if (!recorded) throw new PermanentError("no decision was recorded", { errorCode: "no_decision" });
    return StepHandlerResult.success({ status: recorded.approved ? "approved" : "rejected", decided_by: recorded.decided_by });
  }
}
