// Serves the operator console under /console from the Worker's own code: no assets directory, no other service.
import { CONSOLE_FILES, type ConsoleFile } from "./assets";

export const CONSOLE_PATH = "/console";

/**
 * Only this origin's script, style and API; no inline script or style, no framing, no form posts
 * elsewhere. The console builds its pages with DOM calls and never parses an answer as markup.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

/** Whether the console answers this path (`/console`, `/console/…`). */
export function isConsolePath(pathname: string): boolean {
  return pathname === CONSOLE_PATH || pathname.startsWith(`${CONSOLE_PATH}/`);
}

function answer(status: number, body: string | null, headers: Record<string, string>): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });
}

/** The console's answer to a request under /console. */
export function serveConsole(request: Request): Response {
  const url = new URL(request.url);
  // Relative links (console.js, console.css) resolve under the folder only with the trailing slash.
  if (url.pathname === CONSOLE_PATH) return answer(308, null, { location: `${CONSOLE_PATH}/${url.search}` });
  if (request.method !== "GET" && request.method !== "HEAD") {
    return answer(
      405,
      JSON.stringify({ error: { code: "method_not_allowed", message: "the console serves GET and HEAD only" } }),
      {
        allow: "GET, HEAD",
        "content-type": "application/json",
      },
    );
  }
  const name = url.pathname.slice(CONSOLE_PATH.length + 1) || "index.html";
  const file: ConsoleFile | undefined = Object.hasOwn(CONSOLE_FILES, name) ? CONSOLE_FILES[name] : undefined;
  if (file === undefined) {
    return answer(404, JSON.stringify({ error: { code: "not_found", message: `the console has no ${url.pathname}` } }), {
      "content-type": "application/json",
    });
  }
  // Revalidated on every load, so a deployment's new console is picked up at once; unchanged files answer 304.
  const cache = { etag: file.etag, "cache-control": "no-cache" };
  if (request.headers.get("if-none-match") === file.etag) return answer(304, null, cache);
  return answer(200, request.method === "HEAD" ? null : file.body, { "content-type": file.contentType, ...cache });
}
