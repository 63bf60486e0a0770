// Maps the `handler.callable` names of templates to handler classes.
import type { StepHandlerClass } from "./step-handler";

export class HandlerRegistry {
  readonly #handlers = new Map<string, StepHandlerClass>();

  /** Registers a class under its class name and, when it has one, its static `handlerName`. */
  register(handlerClass: StepHandlerClass): this;
  /** Registers a class under an explicit name. */
  register(name: string, handlerClass: StepHandlerClass): this;
  register(nameOrClass: string | StepHandlerClass, maybeClass?: StepHandlerClass): this {
    if (typeof nameOrClass === "string") {
      if (maybeClass === undefined) throw new TypeError(`register("${nameOrClass}") needs a handler class`);
      this.#add(nameOrClass, maybeClass);
      return this;
    }
    const names = new Set(
      [nameOrClass.name, nameOrClass.handlerName].filter((n): n is string => typeof n === "string" && n !== ""),
    );
    if (names.size === 0) throw new TypeError("an anonymous handler class needs a static handlerName or an explicit name");
    for (const name of names) this.#add(name, nameOrClass);
    return this;
  }

  /**
   * The class for a callable: the exact name first, then the last segment of a namespaced callable
   * (`Ecommerce.Handlers.PaymentHandler`, `Ecommerce::PaymentHandler`), so templates written for
   * Tasker's Ruby or Python workers resolve without renaming.
   */
  resolve(callable: string): StepHandlerClass | undefined {
    const exact = this.#handlers.get(callable);
    if (exact !== undefined) return exact;
    const last = callable.split(/::|\./).at(-1);
    return last !== undefined && last !== callable ? this.#handlers.get(last) : undefined;
  }

  has(callable: string): boolean {
    return this.resolve(callable) !== undefined;
  }

  /** Every registered name, sorted. */
  list(): string[] {
    return [...this.#handlers.keys()].sort();
  }

  #add(name: string, handlerClass: StepHandlerClass): void {
    if (name.trim() === "") throw new TypeError("a handler name must not be blank");
    const existing = this.#handlers.get(name);
    // The same class twice is harmless (a module imported twice); two classes under one name is a bug.
    if (existing !== undefined && existing !== handlerClass) {
      throw new Error(`handler name "${name}" is already registered to ${existing.name}, cannot register ${handlerClass.name}`);
    }
    this.#handlers.set(name, handlerClass);
  }
}
