import { format as validatorFormats } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { FORMATS } from "../../../src/templates/formats";
import "../../../src/templates/input-schema";

const CASES: Record<string, { valid: string[]; invalid: string[] }> = {
  date: {
    valid: ["2024-02-29", "1999-12-31"],
    invalid: ["2023-02-29", "2024-13-01", "2024-1-01", "2024-01-32", "２０２４-01-01"],
  },
  time: {
    valid: ["23:59:60Z", "12:00:00.123+02:00", "08:30:00z", "15:59:60-08:00"],
    invalid: ["12:00:00", "24:00:00Z", "12:60:00Z", "12:00:60Z", "12:00:00.Z", "12:00:00+2:00"],
  },
  "date-time": {
    valid: ["2024-05-01T12:00:00Z", "2024-05-01t12:00:00+01:00", "2024-05-01 12:00:00Z"],
    invalid: ["2024-05-01", "2024-05-01T12:00:00", "2024-05-01X12:00:00Z"],
  },
  duration: {
    valid: ["P1Y2M3DT4H5M6S", "P2W", "PT30M", "P1M2D", "PT1H"],
    invalid: ["P", "PT", "P1Y2D", "P1DT", "P1W2D", "1Y", "PT1.5S"],
  },
  email: {
    valid: ["joe@example.com", "a.b+c@sub.example.org", '"john doe"@example.com', "x@[192.168.0.1]", "x@[IPv6:::1]"],
    invalid: [
      "joe",
      "@example.com",
      "joe@",
      ".joe@example.com",
      "jo..e@example.com",
      "joe.@example.com",
      "joe@-example.com",
      `${"a".repeat(65)}@example.com`,
    ],
  },
  hostname: {
    valid: ["example.com", "a-b.c", "localhost", "xn--bcher-kva.example"],
    invalid: ["-a.com", "a-.com", "a..com", "a.com.", "", `${"a".repeat(64)}.com`, "a_b.com"],
  },
  ipv4: {
    valid: ["192.168.0.1", "0.0.0.0", "255.255.255.255"],
    invalid: ["256.0.0.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "1.2.3.a"],
  },
  ipv6: {
    valid: ["::", "::1", "1::", "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1", "1:2:3:4:5:6:7::"],
    invalid: [":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "::g", "fe80::1%eth0", "1:2:3:4:5:6:7:1.2.3.4"],
  },
  uri: {
    valid: [
      "https://example.com/a?b=c#d",
      "mailto:joe@example.com",
      "urn:isbn:0451450523",
      "http://[::1]:8080/",
      "ftp://user:pw@host/",
    ],
    invalid: ["//example.com", "/relative", "http://exa mple.com", "1http://x", "http://x/%zz", "https://é.example"],
  },
  "uri-reference": {
    valid: ["/relative/path", "?q", "#frag", "//host/path", "a/b"],
    invalid: ["a:b:c d", "\\\\server", "http://x/%2"],
  },
  iri: { valid: ["https://é.example/ü?ä#ö", "urn:x"], invalid: ["/relative", "https://exa mple"] },
  "iri-reference": { valid: ["/ü", "#ö"], invalid: ["\\\\x", "a b"] },
  url: {
    valid: ["http://example.com", "https://example.com:8443/path?q=1", "FTP://files.example"],
    invalid: ["mailto:joe@example.com", "http://", "example.com", "https:///path"],
  },
  "uri-template": {
    valid: ["http://example.com/{id}", "/search{?q,lang}", "{+path:6}/here", "{list*}", "{a.b}"],
    invalid: ["{", "}", "{}", "{a b}", "{x:0}", "{.a..b}"],
  },
  uuid: {
    valid: ["123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"],
    invalid: ["123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g"],
  },
  "json-pointer": { valid: ["", "/", "/a/b", "/a~0b/c~1d"], invalid: ["a", "/a~2", "/a~"] },
  "relative-json-pointer": { valid: ["0", "1/a", "2#", "10/a~1b"], invalid: ["", "01", "-1", "1a", "1##"] },
  "json-pointer-uri-fragment": { valid: ["#", "#/a/b", "#/a%20b"], invalid: ["/a", "#/a b", "#/a~2"] },
  regex: { valid: ["^a+$", "[a-z]{2,3}", "\\p{L}"], invalid: ["(", "[", "\\Z", "a{2,1}"] },
};

describe("FORMATS", () => {
  it("replaces every format check of the validator (its own are regular expressions, some exponential)", () => {
    expect(Object.keys(validatorFormats).sort()).toEqual(Object.keys(FORMATS).sort());
    for (const [name, check] of Object.entries(FORMATS)) expect(validatorFormats[name]).toBe(check);
  });

  for (const [name, { valid, invalid }] of Object.entries(CASES)) {
    it(`checks ${name}`, () => {
      const check = FORMATS[name];
      if (!check) throw new Error(`no check for ${name}`);
      for (const text of valid) expect(check(text), `${name}: ${JSON.stringify(text)}`).toBe(true);
      for (const text of invalid) expect(check(text), `${name}: ${JSON.stringify(text)}`).toBe(false);
    });
  }

  it("has cases for every format it checks", () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(FORMATS).sort());
  });

  it("answers the inputs that made the validator's regular expressions backtrack for seconds", () => {
    // 38 characters took the old `url` 3.5 s, doubling every 2 more; these are 100,000 characters long.
    const long = "a".repeat(100_000);
    expect(FORMATS.url?.(`http://${"a-".repeat(50_000)} `)).toBe(false);
    expect(FORMATS.url?.(`https://example.com/${long}`)).toBe(true);
    expect(FORMATS.uri?.(`http://${long}:${long}@host:port`)).toBe(false);
    expect(FORMATS["uri-reference"]?.(`${"//".repeat(50_000)}%`)).toBe(false);
    expect(FORMATS.email?.(`${long}@${long}`)).toBe(false);
    expect(FORMATS.hostname?.(`${"a.".repeat(50_000)}-`)).toBe(false);
    expect(FORMATS["json-pointer"]?.(`/${"~0".repeat(50_000)}~`)).toBe(false);
    expect(FORMATS["uri-template"]?.(`{${"a.".repeat(50_000)}}`)).toBe(false);
    expect(FORMATS.duration?.(`P${"1".repeat(100_000)}X`)).toBe(false);
    expect(FORMATS.ipv6?.(`${"1:".repeat(50_000)}`)).toBe(false);
    expect(FORMATS["date-time"]?.(`2024-01-01T00:00:00.${"1".repeat(100_000)}Z`)).toBe(true);
  });
});
