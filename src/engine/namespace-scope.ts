// Which namespaces a caller's work may reach: the scope a task inherits from its creator, and its test.

/** `null` means every namespace; a list limits the caller (and every task it starts) to exactly those names. */
export type NamespaceScope = readonly string[] | null;

export function inNamespaceScope(scope: NamespaceScope, namespace: string): boolean {
  return scope === null || scope.includes(namespace);
}

/** The error code of work refused because it would run in a namespace outside its creator's scope. */
export const NAMESPACE_OUT_OF_SCOPE = "namespace_out_of_scope";
