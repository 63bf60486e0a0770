// Completion webhooks' vocabulary: the events, the endpoint a template or a request names, its limits and the URL policy.

/** The task events an endpoint can subscribe to, each the task entering one state. */
export const WEBHOOK_EVENT_STATES = {
  "task.completed": "complete",
  "task.blocked": "blocked_by_failures",
  "task.errored": "error",
  "task.cancelled": "cancelled",
  "task.resolved_manually": "resolved_manually",
} as const;
export type WebhookEvent = keyof typeof WEBHOOK_EVENT_STATES;
export const WEBHOOK_EVENTS = Object.keys(WEBHOOK_EVENT_STATES) as WebhookEvent[];

/** The event a task's move into `state` raises, or null for a state no webhook hears of. */
export function webhookEventFor(state: string): WebhookEvent | null {
  for (const event of WEBHOOK_EVENTS) if (WEBHOOK_EVENT_STATES[event] === state) return event;
  return null;
}

/** One endpoint: where to POST, which Worker secret signs the body, which events it wants (all when left out). */
export interface WebhookEndpoint {
  url: string;
  /** The name of a Worker secret (an env binding), never the secret itself. */
  secret: string;
  events: WebhookEvent[];
}

/** Endpoints a template may name, and a task request on top of its template's. */
export const MAX_WEBHOOKS_PER_TEMPLATE = 5;
export const MAX_WEBHOOKS_PER_REQUEST = 5;
export const MAX_WEBHOOK_URL_LENGTH = 2_048;
/** A secret's name is a Worker binding name: upper case, digits and underscores (`WEBHOOK_SECRET_SHOP`). */
export const WEBHOOK_SECRET_NAME = /^[A-Z][A-Z0-9_]{0,99}$/;

/** Hosts that name this machine: allowed (over http too) only where loopback endpoints are switched on. */
function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** IPv4 literals of private, loopback, link-local, carrier-grade NAT, multicast and reserved ranges. */
function isNonPublicIpv4(host: string): boolean {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (!match) return false;
  const [a, b] = [Number(match[1]), Number(match[2])];
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224
  );
}

/** IPv6 literals of loopback, unspecified, unique-local, link-local and IPv4-mapped addresses. */
function isNonPublicIpv6(host: string): boolean {
  if (!host.startsWith("[")) return false;
  const address = host.slice(1, -1).toLowerCase();
  return (
    address === "::1" || address === "::" || /^f[cd]/.test(address) || /^fe[89ab]/.test(address) || address.startsWith("::ffff:")
  );
}

/**
 * Why `url` may not be a webhook endpoint, or null when it may. Only `https:` URLs to public hosts;
 * with `allowLoopback` (a development and test switch), `http:` and `https:` to loopback hosts too.
 * Credentials in the URL and fragments are refused; so are IP literals of private ranges.
 */
export function webhookUrlProblem(url: string, { allowLoopback }: { allowLoopback: boolean }): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not an absolute URL";
  }
  // A trailing dot names the same host (`localhost.`), so it is dropped before the checks.
  const host = parsed.hostname.toLowerCase().replace(/\.$/, "");
  if (parsed.username !== "" || parsed.password !== "")
    return "must not carry credentials (user:password@); the signature authenticates the sender";
  if (parsed.hash !== "") return "must not have a fragment (#…)";
  if (isLoopbackHost(host)) {
    if (allowLoopback && (parsed.protocol === "https:" || parsed.protocol === "http:")) return null;
    return "names this machine (a loopback host): allowed only when TASKER_WEBHOOKS_ALLOW_LOOPBACK is on (development and tests)";
  }
  if (parsed.protocol !== "https:") return "must use https (plain http is allowed only for loopback hosts in development)";
  if (isNonPublicIpv4(host) || isNonPublicIpv6(host)) return "names a private, link-local or reserved address";
  if (!host.includes(".") && !host.startsWith("[")) return "must name a public host (a dotted domain name)";
  return null;
}
