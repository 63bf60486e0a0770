// Colours for the terminal: ANSI only when writing to a TTY and NO_COLOR is unset, plain text otherwise.

export interface Style {
  readonly enabled: boolean;
  paint(color: Color, text: string): string;
}

export type Color = "red" | "green" | "yellow" | "blue" | "magenta" | "cyan" | "gray" | "bold";

const CODES: Record<Color, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
  bold: [1, 22],
};

/** https://no-color.org: any non-empty NO_COLOR turns colour off; so does `--no-color` or a stdout that is not a terminal. */
export function styleFor({
  isTTY,
  env,
  noColor,
}: {
  isTTY: boolean;
  env: Record<string, string | undefined>;
  noColor: boolean;
}): Style {
  const enabled = isTTY && !noColor && (env.NO_COLOR ?? "") === "" && env.TERM !== "dumb";
  return {
    enabled,
    paint: (color, text) => (enabled ? `\u001b[${CODES[color][0]}m${text}\u001b[${CODES[color][1]}m` : text),
  };
}

/** The colour of each task or step state. */
export function stateColor(state: string): Color {
  switch (state) {
    case "complete":
      return "green";
    case "error":
    case "blocked_by_failures":
    case "enqueued_as_error_for_orchestration":
      return "red";
    case "in_progress":
    case "steps_in_process":
    case "enqueued":
    case "enqueuing_steps":
    case "enqueued_for_orchestration":
    case "evaluating_results":
      return "cyan";
    case "waiting_for_retry":
      return "yellow";
    case "resolved_manually":
      return "blue";
    case "cancelled":
      return "magenta";
    default:
      return "gray";
  }
}
