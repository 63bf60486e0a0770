// A task's or a step's transitions as a timeline: when, from → to, the event, who asked and why.
import type { TransitionView } from "../src/client/types";
import { badge, h, time } from "./dom";

/** Transitions drawn before "show all": a task of thousands of steps records thousands of transitions. */
export const TIMELINE_SHOWN = 100;

/** The timeline, its latest `TIMELINE_SHOWN` entries first drawn and the rest one click away. */
export function timeline(transitions: readonly TransitionView[]): HTMLElement {
  if (transitions.length === 0) return h("p", { class: "muted" }, "No transition yet.");
  if (transitions.length <= TIMELINE_SHOWN) return entries(transitions);
  const hidden = transitions.length - TIMELINE_SHOWN;
  const host = h("div", {});
  const more = h(
    "button",
    { type: "button", onclick: () => host.replaceChildren(entries(transitions)) },
    `Show the ${hidden} earlier transitions`,
  );
  host.append(more, entries(transitions.slice(hidden)));
  return host;
}

function entries(transitions: readonly TransitionView[]): HTMLElement {
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
