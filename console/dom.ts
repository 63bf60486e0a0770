// Small DOM helpers: element building without innerHTML (nothing the API returns is ever parsed as markup), and the confirmation dialog.
import { ApiRefusal } from "./api";

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/** `h("a", { href: "#/tasks", class: "link" }, "Tasks")`; `on…` attributes become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A JSON value shown as indented text. */
export const jsonBlock = (value: unknown): HTMLPreElement => h("pre", { class: "json" }, JSON.stringify(value ?? null, null, 2));

/** An instant as the reader's local time, with the ISO form on hover. */
export function time(iso: string | null | undefined): HTMLElement | string {
  if (!iso) return "—";
  return h("time", { datetime: iso, title: iso }, new Date(iso).toLocaleString());
}

export const badge = (state: string): HTMLSpanElement => h("span", { class: `badge state-${state}`, "data-state": state }, state);

/** A refusal of the API shown as the API worded it: status, code, message and any details. */
export function refusalBox(error: unknown): HTMLElement {
  if (error instanceof ApiRefusal) {
    return h(
      "div",
      { class: "refusal", role: "alert", "data-testid": "refusal" },
      h("strong", {}, `${error.status} ${error.code}`),
      ": ",
      error.message,
      error.details === undefined ? null : jsonBlock(error.details),
    );
  }
  return h("div", { class: "refusal", role: "alert", "data-testid": "refusal" }, String(error));
}

/**
 * Asks before an action: says what it will do and the exact request it sends. Resolves true only
 * when the operator confirms.
 */
export function confirmAction(options: {
  title: string;
  effect: string;
  request: string;
  confirmLabel: string;
}): Promise<boolean> {
  const dialog = h(
    "dialog",
    { class: "confirm", "data-testid": "confirm-dialog" },
    h("h2", {}, options.title),
    h("p", {}, options.effect),
    h("p", { class: "muted" }, "The request it sends:"),
    h("pre", { class: "json" }, options.request),
  );
  return new Promise((resolve) => {
    const close = (confirmed: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(confirmed);
    };
    dialog.append(
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", onclick: () => close(false) }, "Keep as is"),
        h(
          "button",
          { type: "button", class: "danger", "data-testid": "confirm", onclick: () => close(true) },
          options.confirmLabel,
        ),
      ),
    );
    dialog.addEventListener("cancel", () => close(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}
