// The string formats an input_schema may name, each checked by one left-to-right scan: linear time, no regex.
//
// The validator's own format checks are regular expressions, some of which backtrack exponentially
// (its `url` took seconds on 38 characters). These replace all of them; a format not listed here is
// refused when the template loads (see input-schema.ts), so every format a schema names is checked.

const code = (text: string, index: number) => text.charCodeAt(index);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isAlphaNumeric = (c: number) => isAlpha(c) || isDigit(c);

/** The number written by `count` digits at `start`, or -1. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const c = code(text, i);
    if (!isDigit(c)) return -1;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

// ---- dates and times (RFC 3339) ----

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `full-date`: YYYY-MM-DD with a day that exists. */
function date(text: string): boolean {
  if (text.length !== 10 || text[4] !== "-" || text[7] !== "-") return false;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  return year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month, year);
}

/** `full-time`: HH:MM:SS[.fraction](Z|±HH:MM); second 60 only at 23:59 UTC (a leap second). */
function time(text: string): boolean {
  if (text.length < 9 || text[2] !== ":" || text[5] !== ":") return false;
  const hour = digitsAt(text, 0, 2);
  const minute = digitsAt(text, 3, 2);
  const second = digitsAt(text, 6, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return false;
  let i = 8;
  if (text[i] === ".") {
    const start = ++i;
    while (i < text.length && isDigit(code(text, i))) i++;
    if (i === start) return false;
  }
  let offsetMinutes = 0;
  if (text[i] === "Z" || text[i] === "z") i += 1;
  else if (text[i] === "+" || text[i] === "-") {
    const offsetHour = digitsAt(text, i + 1, 2);
    const offsetMinute = digitsAt(text, i + 4, 2);
    if (text[i + 3] !== ":" || offsetHour < 0 || offsetHour > 23 || offsetMinute < 0 || offsetMinute > 59) return false;
    offsetMinutes = (text[i] === "+" ? 1 : -1) * (offsetHour * 60 + offsetMinute);
    i += 6;
  } else return false;
  if (i !== text.length) return false;
  if (second < 60) return true;
  const utcMinute = (((hour * 60 + minute - offsetMinutes) % 1440) + 1440) % 1440;
  return utcMinute === 23 * 60 + 59;
}

/** `date-time`: a full-date and a full-time joined by T (or t, or a space, which RFC 3339 allows). */
function dateTime(text: string): boolean {
  const separator = text[10];
  return (separator === "T" || separator === "t" || separator === " ") && date(text.slice(0, 10)) && time(text.slice(11));
}

/** Reads `<digits><unit>` runs whose units are consecutive in `units`; returns the index after them, or -1. */
function durationRun(text: string, start: number, units: string): number {
  let i = start;
  let expected = -1;
  while (i < text.length) {
    const digitsStart = i;
    while (i < text.length && isDigit(code(text, i))) i++;
    if (i === digitsStart) break;
    const unit = units.indexOf(text[i] ?? "");
    if (unit < 0 || (expected >= 0 && unit !== expected)) return -1;
    expected = unit + 1;
    i += 1;
  }
  return i;
}

/** ISO 8601 `duration` as RFC 3339 Appendix A spells it: P1Y2M3DT4H5M6S, P2W, PT30M; integers only. */
function duration(text: string): boolean {
  if (text[0] !== "P" || text.length < 3) return false;
  const weeks = durationRun(text, 1, "W");
  if (weeks === text.length) return true;
  const datePart = durationRun(text, 1, "YMD");
  if (datePart < 0) return false;
  if (datePart === text.length) return datePart > 1;
  if (text[datePart] !== "T") return false;
  const timePart = durationRun(text, datePart + 1, "HMS");
  return timePart === text.length && timePart > datePart + 1;
}

// ---- internet addresses ----

/** `hostname` (RFC 1123): dot-separated labels of letters, digits and inner hyphens, 1–63 each, 253 in all. */
function hostname(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  let labelStart = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text[i] !== ".") {
      const c = code(text, i);
      if (!isAlphaNumeric(c) && c !== 0x2d) return false;
      continue;
    }
    const length = i - labelStart;
    if (length === 0 || length > 63 || text[labelStart] === "-" || text[i - 1] === "-") return false;
    labelStart = i + 1;
  }
  return true;
}

/** `ipv4`: four decimal octets 0–255, without leading zeros (which some parsers read as octal). */
function ipv4(text: string): boolean {
  const parts = text.split(".");
  return (
    text.length <= 15 &&
    parts.length === 4 &&
    parts.every((part) => {
      const value = digitsAt(part, 0, part.length);
      return part.length >= 1 && part.length <= 3 && value >= 0 && value <= 255 && (part.length === 1 || part[0] !== "0");
    })
  );
}

function hexGroups(text: string, allowIpv4Tail: boolean): number {
  if (text === "") return 0;
  const groups = text.split(":");
  let count = 0;
  for (const [index, group] of groups.entries()) {
    if (allowIpv4Tail && index === groups.length - 1 && group.includes(".")) {
      if (!ipv4(group)) return -1;
      count += 2;
    } else if (group.length >= 1 && group.length <= 4 && [...group].every((c) => isHex(c.charCodeAt(0)))) count += 1;
    else return -1;
  }
  return count;
}

/** `ipv6` (RFC 4291 text form): eight hex groups, one `::` for a run of zeros, an optional IPv4 tail; no zone. */
function ipv6(text: string): boolean {
  if (text.length < 2 || text.length > 45) return false;
  const gap = text.indexOf("::");
  if (gap < 0) return hexGroups(text, true) === 8;
  if (text.indexOf("::", gap + 1) >= 0) return false;
  const head = hexGroups(text.slice(0, gap), false);
  const tail = hexGroups(text.slice(gap + 2), true);
  return head >= 0 && tail >= 0 && head + tail <= 7;
}

/** `uuid` (RFC 9562): 8-4-4-4-12 hex digits. */
function uuid(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const dash = i === 8 || i === 13 || i === 18 || i === 23;
    if (dash ? text[i] !== "-" : !isHex(code(text, i))) return false;
  }
  return true;
}

const ATEXT = new Set("!#$%&'*+-/=?^_`{|}~");

/** `email` (RFC 5321 mailbox): a dot-atom or quoted local part of at most 64, `@`, a hostname or address literal. */
function email(text: string): boolean {
  let i = 0;
  if (text[0] === '"') {
    for (i = 1; i < text.length && text[i] !== '"'; i++) {
      const c = code(text, i);
      if (c === 0x5c) {
        const escaped = code(text, ++i);
        if (!(escaped >= 0x20 && escaped <= 0x7e)) return false;
      } else if (!(c >= 0x20 && c <= 0x7e)) return false;
    }
    if (text[i] !== '"') return false;
    i += 1;
  } else {
    for (; i < text.length && text[i] !== "@"; i++) {
      const c = code(text, i);
      if (!isAlphaNumeric(c) && c !== 0x2e && !ATEXT.has(text[i] as string)) return false;
      if (c === 0x2e && (i === 0 || text[i - 1] === ".")) return false;
    }
    if (i === 0 || text[i - 1] === ".") return false;
  }
  if (i > 64 || text[i] !== "@") return false;
  const domain = text.slice(i + 1);
  if (domain.length > 253) return false;
  if (domain.startsWith("[") && domain.endsWith("]")) {
    const literal = domain.slice(1, -1);
    return literal.slice(0, 5).toLowerCase() === "ipv6:" ? ipv6(literal.slice(5)) : ipv4(literal);
  }
  return hostname(domain);
}

// ---- URIs and IRIs (RFC 3986, RFC 3987) ----

const SUB_DELIMS = new Set("!$&'()*+,;=");
const UNRESERVED_MARKS = new Set("-._~");

/** RFC 3987 `ucschar` (and `iprivate` where allowed): the non-ASCII characters an IRI may hold. */
function isIriCharacter(c: number, privateAllowed: boolean): boolean {
  if (c >= 0xe000 && c <= 0xf8ff) return privateAllowed;
  if (c >= 0xf0000) return privateAllowed ? (c & 0xffff) <= 0xfffd : false;
  if (c < 0xa0 || (c >= 0xd800 && c <= 0xdfff) || (c >= 0xfdd0 && c <= 0xfdef)) return false;
  return (c & 0xffff) <= 0xfffd;
}

interface UriCharacters {
  iri: boolean;
  /** ASCII characters allowed besides unreserved ones and percent-encodings. */
  extra: Set<string>;
  privateAllowed?: boolean;
}

/** Whether text[start, end) holds only the allowed characters and well-formed %XX escapes. */
function uriCharacters(text: string, start: number, end: number, allowed: UriCharacters): boolean {
  for (let i = start; i < end; ) {
    const c = text.codePointAt(i) as number;
    if (c === 0x25) {
      if (i + 3 > end || !isHex(code(text, i + 1)) || !isHex(code(text, i + 2))) return false;
      i += 3;
      continue;
    }
    const ok =
      c < 0x80
        ? isAlphaNumeric(c) || UNRESERVED_MARKS.has(text[i] as string) || allowed.extra.has(text[i] as string)
        : allowed.iri && isIriCharacter(c, allowed.privateAllowed === true);
    if (!ok) return false;
    i += c > 0xffff ? 2 : 1;
  }
  return true;
}

const PATH_CHARACTERS = new Set([...SUB_DELIMS, ":", "@", "/"]);
const QUERY_CHARACTERS = new Set([...PATH_CHARACTERS, "?"]);
const USERINFO_CHARACTERS = new Set([...SUB_DELIMS, ":"]);

/** `authority` = [userinfo "@"] host [":" port]; returns the host, or null when malformed. */
function authorityHost(text: string, start: number, end: number, iri: boolean): string | null {
  const at = text.indexOf("@", start);
  let hostStart = start;
  if (at >= 0 && at < end) {
    if (!uriCharacters(text, start, at, { iri, extra: USERINFO_CHARACTERS })) return null;
    hostStart = at + 1;
  }
  let hostEnd: number;
  if (text[hostStart] === "[") {
    const close = text.indexOf("]", hostStart);
    if (close < 0 || close >= end) return null;
    const literal = text.slice(hostStart + 1, close);
    if (!ipv6(literal) && !ipvFuture(literal)) return null;
    hostEnd = close + 1;
    if (hostEnd < end && text[hostEnd] !== ":") return null;
  } else {
    const colon = text.indexOf(":", hostStart);
    hostEnd = colon >= 0 && colon < end ? colon : end;
    if (!uriCharacters(text, hostStart, hostEnd, { iri, extra: SUB_DELIMS })) return null;
  }
  for (let i = hostEnd + 1; i < end; i++) if (!isDigit(code(text, i))) return null;
  return text.slice(hostStart, hostEnd);
}

/** `IPvFuture` = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ). */
function ipvFuture(text: string): boolean {
  if (text[0] !== "v" && text[0] !== "V") return false;
  const dot = text.indexOf(".");
  if (dot < 2 || dot === text.length - 1) return false;
  for (let i = 1; i < dot; i++) if (!isHex(code(text, i))) return false;
  for (let i = dot + 1; i < text.length; i++) {
    const c = code(text, i);
    if (c === 0x25 || !uriCharacters(text, i, i + 1, { iri: false, extra: USERINFO_CHARACTERS })) return false;
  }
  return true;
}

interface ParsedUri {
  scheme: string | null;
  host: string | null;
}

/** Parses a URI reference (or IRI reference) by RFC 3986's grammar; null when it is not one. */
function parseUriReference(text: string, iri: boolean): ParsedUri | null {
  // A scheme is what precedes the first ":" when no "/", "?" or "#" comes before it. Without a
  // scheme, a first path segment may not hold a colon (path-noscheme), so an invalid one refuses.
  let schemeEnd = 0;
  while (schemeEnd < text.length && !"/?#:".includes(text[schemeEnd] as string)) schemeEnd++;
  let scheme: string | null = null;
  let i = 0;
  if (text[schemeEnd] === ":") {
    scheme = text.slice(0, schemeEnd);
    const valid =
      scheme.length > 0 &&
      isAlpha(code(scheme, 0)) &&
      [...scheme].every((c) => isAlphaNumeric(c.charCodeAt(0)) || c === "+" || c === "-" || c === ".");
    if (!valid) return null;
    i = schemeEnd + 1;
  }
  const hash = text.indexOf("#", i);
  const end = hash < 0 ? text.length : hash;
  const question = text.indexOf("?", i);
  const pathEnd = question >= 0 && question < end ? question : end;
  let host: string | null = null;
  let pathStart = i;
  if (text.startsWith("//", i)) {
    const slash = text.indexOf("/", i + 2);
    const authorityEnd = slash >= 0 && slash < pathEnd ? slash : pathEnd;
    host = authorityHost(text, i + 2, authorityEnd, iri);
    if (host === null) return null;
    pathStart = authorityEnd;
  }
  if (!uriCharacters(text, pathStart, pathEnd, { iri, extra: PATH_CHARACTERS })) return null;
  if (pathEnd < end && !uriCharacters(text, pathEnd + 1, end, { iri, extra: QUERY_CHARACTERS, privateAllowed: true }))
    return null;
  if (hash >= 0 && !uriCharacters(text, hash + 1, text.length, { iri, extra: QUERY_CHARACTERS })) return null;
  return { scheme, host };
}

const uri = (text: string) => parseUriReference(text, false)?.scheme != null;
const uriReference = (text: string) => parseUriReference(text, false) !== null;
const iri = (text: string) => parseUriReference(text, true)?.scheme != null;
const iriReference = (text: string) => parseUriReference(text, true) !== null;

/** `url` (not a JSON Schema format, kept for templates that use it): an absolute http, https or ftp URI with a host. */
function url(text: string): boolean {
  const parsed = parseUriReference(text, false);
  return parsed !== null && ["http", "https", "ftp"].includes(parsed.scheme?.toLowerCase() ?? "") && !!parsed.host;
}

// ---- templates and pointers ----

const OPERATORS = new Set("+#./;?&=,!@|");
const LITERAL_EXCLUDED = new Set("\"'%<>\\^`{|}");

/** `uri-template` (RFC 6570): literals, and `{op? var[:n|*], …}` expressions. */
function uriTemplate(text: string): boolean {
  for (let i = 0; i < text.length; ) {
    const c = text.codePointAt(i) as number;
    if (c === 0x7b) {
      const close = text.indexOf("}", i);
      if (close < 0 || !expression(text.slice(i + 1, close))) return false;
      i = close + 1;
    } else if (c === 0x25) {
      if (!isHex(code(text, i + 1)) || !isHex(code(text, i + 2))) return false;
      i += 3;
    } else {
      if (c <= 0x20 || c === 0x7f || LITERAL_EXCLUDED.has(text[i] as string)) return false;
      i += c > 0xffff ? 2 : 1;
    }
  }
  return true;
}

function expression(body: string): boolean {
  const list = OPERATORS.has(body[0] ?? "") ? body.slice(1) : body;
  return list.split(",").every((spec) => {
    let name = spec;
    if (spec.endsWith("*")) name = spec.slice(0, -1);
    else if (spec.includes(":")) {
      const [variable = "", length = ""] = spec.split(":");
      if (length.length < 1 || length.length > 4 || length[0] === "0" || digitsAt(length, 0, length.length) < 0) return false;
      name = variable;
    }
    return varname(name);
  });
}

function varname(name: string): boolean {
  if (name === "" || name.startsWith(".") || name.endsWith(".") || name.includes("..")) return false;
  for (let i = 0; i < name.length; i++) {
    const c = code(name, i);
    if (c === 0x25) {
      if (!isHex(code(name, i + 1)) || !isHex(code(name, i + 2))) return false;
      i += 2;
    } else if (!isAlphaNumeric(c) && c !== 0x5f && c !== 0x2e) return false;
  }
  return true;
}

/** `json-pointer` (RFC 6901): empty, or `/`-prefixed tokens in which `~` is followed by 0 or 1. */
function jsonPointer(text: string): boolean {
  if (text !== "" && text[0] !== "/") return false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "~" && text[i + 1] !== "0" && text[i + 1] !== "1") return false;
  }
  return true;
}

/** `relative-json-pointer`: a non-negative integer without leading zeros, then `#` or a JSON pointer. */
function relativeJsonPointer(text: string): boolean {
  let i = 0;
  while (i < text.length && isDigit(code(text, i))) i++;
  if (i === 0 || (i > 1 && text[0] === "0")) return false;
  return text.slice(i) === "#" || jsonPointer(text.slice(i));
}

const FRAGMENT_POINTER_CHARACTERS = new Set([...SUB_DELIMS, ":", "@", "/", "~"]);

/** `json-pointer-uri-fragment`: `#` and a JSON pointer written with URI fragment characters. */
function jsonPointerUriFragment(text: string): boolean {
  if (text[0] !== "#") return false;
  return jsonPointer(text.slice(1)) && uriCharacters(text, 1, text.length, { iri: false, extra: FRAGMENT_POINTER_CHARACTERS });
}

/** `regex`: compiles as an ECMAScript regular expression with the `u` flag (compiling never runs it). */
function regex(text: string): boolean {
  try {
    new RegExp(text, "u");
    return true;
  } catch {
    return false;
  }
}

/** Every format an input_schema may name, and its check. */
export const FORMATS: Readonly<Record<string, (value: string) => boolean>> = Object.freeze({
  date,
  time,
  "date-time": dateTime,
  duration,
  email,
  hostname,
  ipv4,
  ipv6,
  uri,
  "uri-reference": uriReference,
  iri,
  "iri-reference": iriReference,
  url,
  "uri-template": uriTemplate,
  uuid,
  "json-pointer": jsonPointer,
  "relative-json-pointer": relativeJsonPointer,
  "json-pointer-uri-fragment": jsonPointerUriFragment,
  regex,
});
