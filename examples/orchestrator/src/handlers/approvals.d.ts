import { type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
/** Expenses below this are approved automatically; from here up a manager approves. */
export declare const AUTO_APPROVAL_LIMIT = 100;
/** From here up finance reviews too. */
export declare const FINANCE_REVIEW_LIMIT = 1000;
export declare class ExpenseValidationHandler extends StepHandler {
  call(context: StepContext): Promise<StepHandlerResult>;
}
/**
 * The decision: which approvals this expense needs. A context `route_to` list overrides the rules
 * (an operator re-routing an expense by hand); the task object checks those names against the template.
 */
export declare class ApprovalRoutingHandler extends StepHandler {
  call(context: StepContext): Promise<StepHandlerResult>;
}
export declare function routeFor(amount: number): string[];
/** One approval; `handler.initialization.approver` says whose. */
export declare class ApprovalHandler extends StepHandler {
  call(context: StepContext): Promise<StepHandlerResult>;
}
/** The convergence step: runs once every approval that was created has finished, whichever they were. */
export declare class ExpenseFinalizeHandler extends StepHandler {
  call(context: StepContext): Promise<StepHandlerResult>;
}
