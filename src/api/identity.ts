// Which task a submission names: the identity strategy of its template turned into a task UUID.
import { identityHash, uuidFromHash } from "../engine/identity";
import { uuidv7 } from "../engine/ids";
import type { TaskTemplate } from "../templates/types";
import { ApiError } from "./errors";

/**
 * The task UUID for a submission. With an identity (strict, or any idempotency key) it is derived
 * from the identity hash, so a duplicate reaches the same task object, whose `create` is atomic:
 * two concurrent identical submissions create exactly one task. Without one it is a fresh UUIDv7.
 */
export async function taskUuidFor(
  template: TaskTemplate,
  request: { context: Record<string, unknown>; idempotency_key?: string | undefined },
): Promise<string> {
  if (template.identity_strategy === "caller_provided" && request.idempotency_key === undefined) {
    throw new ApiError(
      400,
      "idempotency_key_required",
      `template ${template.namespace_name}/${template.name}@${template.version} needs an idempotency_key with every submission`,
    );
  }
  const hash = await identityHash(template.identity_strategy, {
    namespace: template.namespace_name,
    name: template.name,
    version: template.version,
    context: request.context,
    idempotencyKey: request.idempotency_key,
  });
  return hash === null ? uuidv7() : uuidFromHash(hash);
}
