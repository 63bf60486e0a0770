import { describe, expect, it } from "vitest";
import {
  MAX_PATTERN_AMBIGUITY,
  MAX_PATTERN_GROUP_DEPTH,
  MAX_PATTERN_POSITIONS,
  MAX_UNANCHORED_WORK,
  patternProblem,
} from "../../../src/templates/pattern-safety";

describe("patternProblem", () => {
  it("refuses the classic exponential patterns", () => {
    for (const pattern of [
      "^(a+)+$",
      "(a+)+",
      "^(a*)*$",
      "^(a|a)*$",
      "^(a|aa)+$",
      "^(a|ab)*c$",
      "^(\\w+\\s?)*$",
      "^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
      "^(\\d+)*$",
      "^(.*a){12}$",
      "^(?:a|b|ab)*$",
    ]) {
      expect(patternProblem(pattern), pattern).not.toBeNull();
    }
  });

  it("refuses the polynomial ones too", () => {
    for (const pattern of ["^\\d*\\d*x$", "^.*x.*y$", "^a*a*a*$", "^[a-z]+[a-z0-9]*$", "^\\s*.*\\s*$"]) {
      expect(patternProblem(pattern), pattern).toMatch(/backtrack/);
    }
  });

  it("refuses an unanchored pattern that repeats without bound, which is tried from every position", () => {
    for (const pattern of ["[a-z]+@", "\\s+$", "a*b", "x.*"]) expect(patternProblem(pattern), pattern).toMatch(/\^/);
    expect(patternProblem("^[a-z]+@")).toBeNull();
    expect(patternProblem("\\.pdf$")).toBeNull();
    expect(patternProblem(`^a|b+`)).toMatch(/\^/);
  });

  it("refuses a long unanchored pattern, whose each try is expensive", () => {
    const long = `\\d{${MAX_UNANCHORED_WORK / 2}}(?:a|a)`;
    expect(patternProblem(long)).toMatch(/every position/);
    expect(patternProblem(`^${long}`)).toBeNull();
    expect(patternProblem(`\\d{${MAX_UNANCHORED_WORK / 2}}a`)).toBeNull();
  });

  it("refuses constructs whose cost the automaton does not bound", () => {
    expect(patternProblem("^(a)\\1$")).toMatch(/backreference/);
    expect(patternProblem("^(?<x>a)\\k<x>$")).toMatch(/backreference/);
    for (const pattern of ["^(?=a)a$", "^(?!a)b$", "(?<=a)b", "(?<!a)b"]) expect(patternProblem(pattern)).toMatch(/lookaround/);
  });

  it("refuses parts that match empty text in several ways, and empty repetitions", () => {
    expect(patternProblem("^(|)x$")).toMatch(/empty/);
    expect(patternProblem("^(a?)?$")).toMatch(/empty/);
    expect(patternProblem("^(a?){2,5}$")).toMatch(/empty/);
    expect(patternProblem("^(?:)*$")).toMatch(/empty/);
    expect(patternProblem("^(a|)$")).toBeNull();
  });

  it("bounds ambiguity outside repetitions", () => {
    const twoWays = "(?:a|a)";
    const withinLimit = Math.log2(MAX_PATTERN_AMBIGUITY);
    expect(patternProblem(`^${twoWays.repeat(withinLimit)}$`)).toBeNull();
    expect(patternProblem(`^${twoWays.repeat(withinLimit + 1)}$`)).toMatch(/ways/);
    expect(patternProblem(`^${twoWays.repeat(200)}$`)).toMatch(/billions/);
  });

  it("refuses patterns too large to check", () => {
    expect(patternProblem(`^a{${MAX_PATTERN_POSITIONS + 1}}$`)).toMatch(/too large/);
    expect(patternProblem("^((a{1000}){1000}){1000}$")).toMatch(/too large/);
    expect(patternProblem(`^a{${MAX_PATTERN_POSITIONS}}$`)).toBeNull();
    expect(patternProblem(`${"(".repeat(MAX_PATTERN_GROUP_DEPTH + 2)}a${")".repeat(MAX_PATTERN_GROUP_DEPTH + 2)}`)).toMatch(
      /nests/,
    );
  });

  it("accepts the patterns templates are made of", () => {
    for (const pattern of [
      "^[0-9]{4}-(0[1-9]|1[0-2])$",
      "^[^@\\s]+@[^@\\s]+$",
      "^ORD-\\d+$",
      "^[A-Z]{3}-\\d{4}$",
      "^\\+?[1-9]\\d{1,14}$",
      "^(GET|POST|PUT|PATCH|DELETE)$",
      "^[a-z0-9-]+(\\.[a-z0-9-]+)*$",
      "^https?://[^\\s/]+(/\\S*)?$",
      "^[a-z][a-z0-9_]*$",
      "^\\p{L}+$",
      "^[\\u{1F600}-\\u{1F64F}]+$",
      "^\\uD83D\\uDE00+$",
      "^(?<year>\\d{4})-(?<month>\\d{2})$",
      "^\\d{1,3}(\\.\\d{1,3}){3}$",
      "^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$",
      "\\bfoo\\b",
      "^a+?b$",
      "",
      "^$",
    ]) {
      expect(patternProblem(pattern), pattern).toBeNull();
    }
  });

  it("reads classes and escapes exactly, so disjoint sets are seen as disjoint", () => {
    expect(patternProblem("^[a-c]*[d-f]*$")).toBeNull();
    expect(patternProblem("^[a-d]*[d-f]*$")).toMatch(/backtrack/);
    expect(patternProblem("^\\d*\\D*$")).toBeNull();
    expect(patternProblem("^\\s*\\S*$")).toBeNull();
    expect(patternProblem("^\\w*\\W*$")).toBeNull();
    expect(patternProblem("^[^a]*a*$")).toBeNull();
    expect(patternProblem("^[\\-x]*-$")).toMatch(/backtrack/);
    expect(patternProblem("^\\x41*\\u0041$")).toMatch(/backtrack/);
    expect(patternProblem("^.*\\n$")).toBeNull();
    expect(patternProblem("^.*\\u2028$")).toBeNull();
    // A property's exact set is unknown, so it is assumed to overlap everything, even in a negated class.
    expect(patternProblem("^\\p{L}*a$")).toMatch(/backtrack/);
    expect(patternProblem("^[^\\p{L}]*a$")).toMatch(/backtrack/);
  });
});
