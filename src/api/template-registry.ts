// The templates this Worker serves: the bundled ones, loaded and validated once per isolate.
import { loadBundledTemplates } from "../templates/bundled";
import type { TemplateRegistry } from "../templates/registry";

let registry: TemplateRegistry | undefined;

export function templateRegistry(): TemplateRegistry {
  registry ??= loadBundledTemplates();
  return registry;
}
