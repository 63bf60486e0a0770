// The operator console's entry: the hash router, the navigation and the key page.
import { credential } from "./api";
import { h, replaceChildren } from "./dom";
import { renderSchedules } from "./pages/schedules";
import { renderStep } from "./pages/step";
import { renderTask } from "./pages/task";
import { renderTasks } from "./pages/tasks";
import { renderTemplate, renderTemplateEditor, renderTemplateList } from "./pages/templates";

const main = document.getElementById("main") as HTMLElement;
const banner = document.getElementById("banner") as HTMLElement;
let leave: () => void = () => {};

function renderKey(root: HTMLElement): () => void {
  const input = h("input", {
    type: "password",
    name: "credential",
    autocomplete: "off",
    "data-testid": "credential",
    value: credential.get(),
  });
  const form = h(
    "form",
    { class: "key" },
    h("h1", {}, "API key or token"),
    h(
      "p",
      {},
      "The console calls this server's API (/v1) with what you enter here, sent as Authorization: Bearer. It is kept in this tab's session storage only and forgotten when the tab closes. With authentication off (local development) leave it empty.",
    ),
    h("label", { class: "wide" }, h("span", {}, "API key or JWT"), input),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, "Use it"),
      h("button", { type: "button", onclick: () => forget() }, "Forget it"),
    ),
  );
  function forget(): void {
    input.value = "";
    form.requestSubmit();
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    credential.set(input.value);
    replaceChildren(banner);
    location.hash = "#/tasks";
  });
  replaceChildren(root, form);
  return () => {};
}

/** A path segment as written; a malformed escape is kept as typed rather than breaking the router. */
function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function route(): void {
  leave();
  delete document.body.dataset.graphReady;
  const [path = "", query = ""] = location.hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodePart);
  const params = new URLSearchParams(query);
  for (const link of document.querySelectorAll("nav a"))
    link.classList.toggle("on", path.startsWith(link.getAttribute("href")?.slice(1) ?? "-"));
  if (parts[0] === "tasks" && parts[1] && parts[2] === "steps" && parts[3]) leave = renderStep(main, parts[1], parts[3]);
  else if (parts[0] === "tasks" && parts[1]) leave = renderTask(main, parts[1]);
  else if (parts[0] === "templates" && parts[1] === "new") leave = renderTemplateEditor(main);
  else if (parts[0] === "templates" && parts.length === 4)
    leave = renderTemplate(main, parts[1] ?? "", parts[2] ?? "", parts[3] ?? "");
  else if (parts[0] === "templates") leave = renderTemplateList(main);
  else if (parts[0] === "schedules") leave = renderSchedules(main);
  else if (parts[0] === "key") leave = renderKey(main);
  else leave = renderTasks(main, params);
}

window.addEventListener("tasker:unauthorized", (event) => {
  replaceChildren(
    banner,
    h(
      "div",
      { class: "refusal" },
      `The API refused the credentials: ${(event as CustomEvent<string>).detail}. `,
      h("a", { href: "#/key" }, "Enter an API key or token"),
    ),
  );
});
window.addEventListener("hashchange", route);
route();
