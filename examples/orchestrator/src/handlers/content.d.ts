import { type StepContext, StepHandler, StepHandlerResult } from "tasker-edge/worker";
export declare class DraftLintHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
export declare class HtmlRenderHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
export declare class PublishHandler extends StepHandler {
  static handlerName: string;
  call(context: StepContext): Promise<StepHandlerResult>;
}
/** `"Hello, Édge!"` → `"hello-edge"`: ASCII letters and digits joined by single hyphens. */
export declare function slugify(title: string): string;
export declare function escapeHtml(text: string): string;
