// A task's or a step's transitions as a timeline: when, from → to, the event, who asked and why.
import type { TransitionView } from "../src/client/types";
import { badge, h, time } from "./dom";

export function timeline(transitions: readonly TransitionView[]): HTMLElement {
  if (transitions.length === 0) return h("p", { class: "muted" }, "No transition yet.");
  return h(
    "ol",
    { class: "timeline", "data-testid": "timeline" },
    ...transitions.map((transition) => {
      const reason = typeof transition.metadata.reason === "string" ? transition.metadata.reason : null;
      const rest = Object.fromEntries(Object.entries(transition.metadata).filter(([key]) => key !== "reason"));
      return h(
        "li",
        {},
        h("div", { class: "when" }, time(transition.recorded_at)),
        h(
          "div",
          { class: "what" },
          transition.from_state === null ? null : badge(transition.from_state),
          transition.from_state === null ? null : " → ",
          badge(transition.to_state),
          h("span", { class: "event" }, transition.event),
        ),
        transition.actor
          ? h("div", { class: "who" }, `by ${transition.actor.name} (${transition.actor.via})`, reason ? `: “${reason}”` : null)
          : reason
            ? h("div", { class: "who" }, `“${reason}”`)
            : null,
        Object.keys(rest).length > 0 ? h("div", { class: "meta mono" }, JSON.stringify(rest)) : null,
      );
    }),
  );
}
