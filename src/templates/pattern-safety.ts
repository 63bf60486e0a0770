// Decides whether a JSON Schema regular expression runs in time linear in its input on V8's backtracking engine.
//
// Why a static check and not a linear-time engine: the validator (@cfworker/json-schema) compiles
// `pattern` and `patternProperties` with `new RegExp(source, "u")` itself and offers no hook, so
// every pattern runs on V8's backtracking engine. A pattern is therefore accepted only when this
// module can prove that engine does linear work on it, and refused (with the reason) otherwise.
//
// The proof. The pattern is parsed (u-flag syntax) into its Glushkov automaton: one state per
// character-matching atom ("position"; counted repetitions are copied out), with an edge p → q for
// every way the syntax lets q match the character after p, counted with multiplicity (so (a+)+
// has the edge a → a twice). Zero-width assertions (^ $ \b \B) are treated as always passing,
// which only adds ways. A backtracking matcher explores, for the text read so far, every way of
// matching it; here those ways are the runs of that automaton. Rules:
//   1. No backreferences or lookarounds (their cost is not bounded by the automaton), and no
//      repeated part that can match the empty string (the engine's empty-iteration checks).
//   2. A position on a cycle (inside an unbounded repetition) is deterministic: the characters its
//      next positions accept are pairwise disjoint and each next position is reached one way.
//      So a run passing through repetitions never branches there.
//   3. Elsewhere runs may branch (e.g. ^(GET|POST|PUT)$), but each position off a cycle is visited
//      at most once per run, so the number of runs is at most the product of those branchings:
//      that product must stay within MAX_PATTERN_AMBIGUITY.
//   4. An attempt from one start therefore costs O(runs × text × pattern). A pattern that does not
//      begin with ^ is attempted from every position of the text, so it must also have no
//      unbounded repetition and runs × longest match ≤ MAX_UNANCHORED_WORK.
// Together: matching costs at most a pattern-dependent constant per character of the text.
// Refused patterns include (a+)+, (a|a)*, (a|ab)*c, \d*\d*x, .*x.*y and unanchored [a-z]+@.

/** Positions (character-matching atoms) a pattern may have once counted repetitions are copied out. */
export const MAX_PATTERN_POSITIONS = 1_000;
/** Most ways the part of a pattern outside unbounded repetitions may match one text. */
export const MAX_PATTERN_AMBIGUITY = 256;
/** For a pattern without a leading `^`: ways to match × longest match, the work of one attempt. */
export const MAX_UNANCHORED_WORK = 1_024;
/** Deepest nesting of groups the check reads. */
export const MAX_PATTERN_GROUP_DEPTH = 32;

type Range = readonly [number, number];
/** A set of code points as sorted, disjoint ranges; `exact` is false when it over-approximates (\p{…}). */
interface CharSet {
  ranges: Range[];
  exact: boolean;
}

type Node =
  | { kind: "chars"; set: CharSet; at: number }
  | { kind: "assert"; start: boolean }
  | { kind: "seq"; items: Node[] }
  | { kind: "alt"; items: Node[]; at: number }
  | { kind: "repeat"; body: Node; min: number; max: number; at: number };

class Refusal extends Error {}

const MAX_CODE_POINT = 0x10ffff;
const UNIVERSAL: CharSet = { ranges: [[0, MAX_CODE_POINT]], exact: false };
const DIGITS: Range[] = [[0x30, 0x39]];
const WORD: Range[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
// ECMAScript's WhiteSpace and LineTerminator code points, exactly (\s).
const SPACE: Range[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const LINE_TERMINATORS: Range[] = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];
const CONTROL_ESCAPES: Record<string, number> = { f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };
const SYNTAX_CHARACTERS = new Set("^$\\.*+?()[]{}|/");

function normalise(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = merged.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  return merged;
}

function complement(ranges: Range[]): Range[] {
  const result: Range[] = [];
  let next = 0;
  for (const [lo, hi] of normalise(ranges)) {
    if (lo > next) result.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) result.push([next, MAX_CODE_POINT]);
  return result;
}

const exactSet = (ranges: Range[]): CharSet => ({ ranges: normalise(ranges), exact: true });
const single = (code: number): CharSet => exactSet([[code, code]]);

/** The complement of a set; of an over-approximation only "anything" is a safe over-approximation. */
function negate(set: CharSet): CharSet {
  return set.exact ? exactSet(complement(set.ranges)) : UNIVERSAL;
}

function union(sets: CharSet[]): CharSet {
  return { ranges: normalise(sets.flatMap((s) => s.ranges)), exact: sets.every((s) => s.exact) };
}

/** Reads a pattern with the syntax of the `u` flag; anything it does not know is refused, never guessed. */
class Parser {
  private index = 0;

  constructor(private readonly source: string) {}

  parse(): Node {
    const node = this.disjunction(0);
    if (this.index < this.source.length) throw new Refusal(`has an unexpected ")" at offset ${this.index}`);
    return node;
  }

  private peek(offset = 0): string | undefined {
    return this.source[this.index + offset];
  }

  private startsWith(text: string): boolean {
    return this.source.startsWith(text, this.index);
  }

  private codePoint(): number {
    const code = this.source.codePointAt(this.index);
    if (code === undefined) throw new Refusal("ends in the middle of an escape or class");
    this.index += code > 0xffff ? 2 : 1;
    return code;
  }

  private disjunction(depth: number): Node {
    if (depth > MAX_PATTERN_GROUP_DEPTH) throw new Refusal(`nests groups more than ${MAX_PATTERN_GROUP_DEPTH} deep`);
    const at = this.index;
    const items = [this.alternative(depth)];
    while (this.peek() === "|") {
      this.index += 1;
      items.push(this.alternative(depth));
    }
    return items.length === 1 ? (items[0] as Node) : { kind: "alt", items, at };
  }

  private alternative(depth: number): Node {
    const items: Node[] = [];
    while (this.index < this.source.length && this.peek() !== "|" && this.peek() !== ")") items.push(this.term(depth));
    return { kind: "seq", items };
  }

  private term(depth: number): Node {
    const at = this.index;
    const char = this.peek();
    if (char === "^" || char === "$") {
      this.index += 1;
      return { kind: "assert", start: char === "^" };
    }
    if (char === "\\" && (this.peek(1) === "b" || this.peek(1) === "B")) {
      this.index += 2;
      return { kind: "assert", start: false };
    }
    const atom = this.atom(depth);
    return this.quantified(atom, at);
  }

  private atom(depth: number): Node {
    const at = this.index;
    const char = this.peek();
    if (char === "(") return this.group(depth);
    if (char === ".") {
      this.index += 1;
      return { kind: "chars", set: exactSet(complement(LINE_TERMINATORS)), at };
    }
    if (char === "[") return { kind: "chars", set: this.characterClass(), at };
    if (char === "\\") {
      this.index += 1;
      const next = this.peek();
      if (next !== undefined && /[1-9]/.test(next)) throw new Refusal(`uses a backreference at offset ${at}`);
      if (next === "k") throw new Refusal(`uses a backreference at offset ${at}`);
      return { kind: "chars", set: this.escape(false), at };
    }
    if (char === "*" || char === "+" || char === "?" || char === "{") {
      throw new Refusal(`has a quantifier with nothing to repeat at offset ${at}`);
    }
    return { kind: "chars", set: single(this.codePoint()), at };
  }

  private group(depth: number): Node {
    const at = this.index;
    if (this.startsWith("(?=") || this.startsWith("(?!") || this.startsWith("(?<=") || this.startsWith("(?<!")) {
      throw new Refusal(`uses a lookaround at offset ${at}`);
    }
    if (this.startsWith("(?:")) this.index += 3;
    else if (this.startsWith("(?<")) {
      const close = this.source.indexOf(">", this.index);
      if (close < 0) throw new Refusal(`has an unterminated group name at offset ${at}`);
      this.index = close + 1;
    } else if (this.startsWith("(?")) throw new Refusal(`uses a group modifier the check does not support at offset ${at}`);
    else this.index += 1;
    const body = this.disjunction(depth + 1);
    if (this.peek() !== ")") throw new Refusal(`has an unterminated group at offset ${at}`);
    this.index += 1;
    return body;
  }

  private quantified(atom: Node, at: number): Node {
    let min: number;
    let max: number;
    const char = this.peek();
    if (char === "*" || char === "+" || char === "?") {
      this.index += 1;
      [min, max] = char === "*" ? [0, Number.POSITIVE_INFINITY] : char === "+" ? [1, Number.POSITIVE_INFINITY] : [0, 1];
    } else if (char === "{") {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.index, this.index + 40));
      if (!match) throw new Refusal(`has a repetition count the check cannot read at offset ${this.index}`);
      this.index += match[0].length;
      min = Number(match[1]);
      max = match[2] === undefined ? min : match[3] === "" ? Number.POSITIVE_INFINITY : Number(match[3]);
    } else return atom;
    if (this.peek() === "?") this.index += 1; // lazy: the same ways to match, tried in another order
    return { kind: "repeat", body: atom, min, max, at };
  }

  /** A class `[…]` or `[^…]`. */
  private characterClass(): CharSet {
    const at = this.index;
    this.index += 1;
    const negated = this.peek() === "^";
    if (negated) this.index += 1;
    const parts: CharSet[] = [];
    while (this.peek() !== "]") {
      if (this.index >= this.source.length) throw new Refusal(`has an unterminated class at offset ${at}`);
      const low = this.classAtom();
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== undefined) {
        this.index += 1;
        const high = this.classAtom();
        const [lo] = low.ranges[0] ?? [];
        const [hi] = high.ranges[0] ?? [];
        if (
          !low.exact ||
          !high.exact ||
          low.ranges.length !== 1 ||
          high.ranges.length !== 1 ||
          lo === undefined ||
          hi === undefined
        ) {
          throw new Refusal(`has a class range the check cannot read at offset ${at}`);
        }
        parts.push(exactSet([[lo, hi]]));
      } else parts.push(low);
    }
    this.index += 1;
    const set = union(parts);
    return negated ? negate(set) : set;
  }

  private classAtom(): CharSet {
    if (this.peek() !== "\\") return single(this.codePoint());
    this.index += 1;
    if (this.peek() === "b") {
      this.index += 1;
      return single(0x08);
    }
    if (this.peek() === "-") {
      this.index += 1;
      return single(0x2d);
    }
    return this.escape(true);
  }

  /** What follows a backslash (already read), as a set of code points. */
  private escape(inClass: boolean): CharSet {
    const at = this.index - 1;
    const char = this.peek();
    if (char === undefined) throw new Refusal("ends with a backslash");
    this.index += 1;
    switch (char) {
      case "d":
        return exactSet(DIGITS);
      case "D":
        return exactSet(complement(DIGITS));
      case "w":
        return exactSet(WORD);
      case "W":
        return exactSet(complement(WORD));
      case "s":
        return exactSet(SPACE);
      case "S":
        return exactSet(complement(SPACE));
      case "p":
      case "P": {
        // Unicode properties: their exact sets are not tabled here, so they may overlap anything.
        const close = this.source.indexOf("}", this.index);
        if (this.peek() !== "{" || close < 0) throw new Refusal(`has a property escape the check cannot read at offset ${at}`);
        this.index = close + 1;
        return UNIVERSAL;
      }
      case "c": {
        const letter = this.peek();
        if (letter === undefined || !/[A-Za-z]/.test(letter))
          throw new Refusal(`has a control escape the check cannot read at offset ${at}`);
        this.index += 1;
        return single(letter.charCodeAt(0) % 32);
      }
      case "0":
        return single(0);
      case "x":
        return single(this.hex(2, at));
      case "u":
        return single(this.unicodeEscape(at));
      default: {
        const control = CONTROL_ESCAPES[char];
        if (control !== undefined) return single(control);
        if (SYNTAX_CHARACTERS.has(char) || (inClass && char === "-")) return single(char.charCodeAt(0));
        throw new Refusal(`has an escape the check does not support at offset ${at}`);
      }
    }
  }

  private hex(digits: number, at: number): number {
    const text = this.source.slice(this.index, this.index + digits);
    if (text.length !== digits || !/^[0-9A-Fa-f]+$/.test(text))
      throw new Refusal(`has a hex escape the check cannot read at offset ${at}`);
    this.index += digits;
    return Number.parseInt(text, 16);
  }

  private unicodeEscape(at: number): number {
    if (this.peek() === "{") {
      const close = this.source.indexOf("}", this.index);
      const text = close < 0 ? "" : this.source.slice(this.index + 1, close);
      if (!/^[0-9A-Fa-f]{1,6}$/.test(text)) throw new Refusal(`has a unicode escape the check cannot read at offset ${at}`);
      this.index = close + 1;
      return Number.parseInt(text, 16);
    }
    const code = this.hex(4, at);
    // A surrogate pair written as two escapes is one code point under the u flag.
    if (code >= 0xd800 && code <= 0xdbff && this.startsWith("\\u") && this.source[this.index + 2] !== "{") {
      const low = Number.parseInt(this.source.slice(this.index + 2, this.index + 6), 16);
      if (low >= 0xdc00 && low <= 0xdfff) {
        this.index += 6;
        return (code - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
      }
    }
    return code;
  }
}

const CAP = 1_000_000_000;
const times = (a: number, b: number) => Math.min(CAP, a * b);

/** How a subpattern starts, ends and matches nothing: positions with the number of ways to reach them. */
interface Fragment {
  /** Ways to match the empty string (0, 1, or more). */
  empty: number;
  first: Map<number, number>;
  last: Map<number, number>;
}

/** The Glushkov automaton of a pattern, with multiplicities. */
class Automaton {
  readonly sets: CharSet[] = [];
  readonly offsets: number[] = [];
  readonly follow: Map<number, number>[] = [];

  build(node: Node): Fragment {
    switch (node.kind) {
      case "chars": {
        const position = this.sets.length;
        this.sets.push(node.set);
        this.offsets.push(node.at);
        this.follow.push(new Map());
        return { empty: 0, first: new Map([[position, 1]]), last: new Map([[position, 1]]) };
      }
      case "assert":
        return { empty: 1, first: new Map(), last: new Map() };
      case "seq":
        return node.items.reduce<Fragment>((acc, item) => this.concat(acc, this.build(item)), {
          empty: 1,
          first: new Map(),
          last: new Map(),
        });
      case "alt": {
        const parts = node.items.map((item) => this.build(item));
        const fragment = {
          empty: Math.min(
            CAP,
            parts.reduce((sum, part) => sum + part.empty, 0),
          ),
          first: addAll(parts.map((part) => part.first)),
          last: addAll(parts.map((part) => part.last)),
        };
        return checkEmpty(fragment, node.at);
      }
      case "repeat":
        return this.repeat(node);
    }
  }

  private concat(a: Fragment, b: Fragment): Fragment {
    this.link(a.last, b.first);
    return {
      empty: times(a.empty, b.empty),
      first: addAll([a.first, scaled(b.first, a.empty)]),
      last: addAll([b.last, scaled(a.last, b.empty)]),
    };
  }

  private link(from: Map<number, number>, to: Map<number, number>): void {
    for (const [p, ways] of from) {
      const next = this.follow[p] as Map<number, number>;
      for (const [q, more] of to) next.set(q, Math.min(CAP, (next.get(q) ?? 0) + times(ways, more)));
    }
  }

  /** Counted repetition is copied out: x{2,4} is x x (x (x)?)?, x{2,} is x x+. */
  private repeat(node: Extract<Node, { kind: "repeat" }>): Fragment {
    const { body, min, max, at } = node;
    if (max === 0) return { empty: 1, first: new Map(), last: new Map() };
    let fragment: Fragment = { empty: 1, first: new Map(), last: new Map() };
    const mandatory = max === Number.POSITIVE_INFINITY ? Math.max(0, min - 1) : min;
    for (let i = 0; i < mandatory; i++) fragment = this.concat(fragment, this.build(body));
    let tail: Fragment;
    if (max === Number.POSITIVE_INFINITY) {
      const loop = this.build(body);
      if (loop.empty > 0) throw new Refusal(`repeats a part that can match empty text, at offset ${at}`);
      this.link(loop.last, loop.first);
      tail = { ...loop, empty: min === 0 ? 1 : 0 };
    } else tail = this.optionalChain(body, max - min, at);
    return checkEmpty(this.concat(fragment, tail), at);
  }

  /** (x (x (…)?)?)? with `count` copies of x: one way to match each number of copies. */
  private optionalChain(body: Node, count: number, at: number): Fragment {
    if (count === 0) return { empty: 1, first: new Map(), last: new Map() };
    const head = this.build(body);
    if (head.empty > 0 && count > 1) throw new Refusal(`repeats a part that can match empty text, at offset ${at}`);
    const inner = this.concat(head, this.optionalChain(body, count - 1, at));
    return checkEmpty({ ...inner, empty: inner.empty + 1 }, at);
  }
}

function scaled(ways: Map<number, number>, factor: number): Map<number, number> {
  if (factor === 0) return new Map();
  return new Map([...ways].map(([p, n]) => [p, times(n, factor)]));
}

function addAll(maps: Map<number, number>[]): Map<number, number> {
  const total = new Map<number, number>();
  for (const map of maps) for (const [p, n] of map) total.set(p, Math.min(CAP, (total.get(p) ?? 0) + n));
  return total;
}

function checkEmpty(fragment: Fragment, at: number): Fragment {
  if (fragment.empty > 1) throw new Refusal(`can match empty text in more than one way, at offset ${at}`);
  return fragment;
}

/** Positions a pattern expands to, saturating, so a huge count is refused before anything is built. */
function expandedSize(node: Node): number {
  switch (node.kind) {
    case "chars":
      return 1;
    case "assert":
      return 0;
    case "seq":
    case "alt":
      return Math.min(
        CAP,
        node.items.reduce((sum, item) => sum + expandedSize(item), 0),
      );
    case "repeat": {
      const copies = node.max === Number.POSITIVE_INFINITY ? Math.max(1, node.min) : node.max;
      return times(expandedSize(node.body), copies);
    }
  }
}

/** Whether every way to match begins at the start of the text (a leading `^`). */
function anchoredAtStart(node: Node): boolean {
  switch (node.kind) {
    case "assert":
      return node.start;
    case "chars":
      return false;
    case "seq":
      return node.items[0] !== undefined && anchoredAtStart(node.items[0]);
    case "alt":
      return node.items.every(anchoredAtStart);
    case "repeat":
      return node.min > 0 && anchoredAtStart(node.body);
  }
}

/**
 * Most ways one character can continue a run from a state with these next positions, each way
 * weighted by `weight(q)` (1 to count the ways themselves).
 */
function branching(next: Map<number, number>, sets: readonly CharSet[], weight: (q: number) => number = () => 1): number {
  const events: [number, number][] = [];
  for (const [q, ways] of next) {
    const weighted = times(ways, weight(q));
    for (const [lo, hi] of (sets[q] as CharSet).ranges) events.push([lo, weighted], [hi + 1, -weighted]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let most = 0;
  for (const [, change] of events) {
    current = Math.min(CAP, current + change);
    most = Math.max(most, current);
  }
  return most;
}

/**
 * The automaton's strongly connected components, each listed after every component it leads to
 * (Tarjan's order), and which positions lie on a cycle (inside an unbounded repetition). No recursion.
 */
function components(follow: readonly Map<number, number>[]): { order: number[][]; cyclic: boolean[] } {
  const count = follow.length;
  const index = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const cyclic = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const order: number[][] = [];
  let counter = 0;
  for (let root = 0; root < count; root++) {
    if (index[root] !== -1) continue;
    const work: [number, Iterator<number>][] = [];
    const enter = (v: number) => {
      index[v] = low[v] = counter++;
      stack.push(v);
      onStack[v] = true;
      work.push([v, (follow[v] as Map<number, number>).keys()]);
    };
    enter(root);
    while (work.length > 0) {
      const [v, edges] = work.at(-1) as [number, Iterator<number>];
      const edge = edges.next();
      if (!edge.done) {
        const w = edge.value;
        if (w === v) cyclic[v] = true;
        if (index[w] === -1) enter(w);
        else if (onStack[w]) low[v] = Math.min(low[v] as number, index[w] as number);
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low[parent[0]] = Math.min(low[parent[0]] as number, low[v] as number);
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = false;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) for (const member of component) cyclic[member] = true;
        order.push(component);
      }
    }
  }
  return { order, cyclic };
}

/** Longest text an acyclic automaton matches: positions on its longest path from the start. */
function longestMatch(first: Map<number, number>, follow: readonly Map<number, number>[]): number {
  // Glushkov positions are numbered in source order and, without cycles, every edge points forward.
  const longest = new Array<number>(follow.length).fill(0);
  for (let p = follow.length - 1; p >= 0; p--) {
    let best = 0;
    for (const q of (follow[p] as Map<number, number>).keys()) best = Math.max(best, longest[q] as number);
    longest[p] = best + 1;
  }
  return Math.max(0, ...[...first.keys()].map((p) => longest[p] as number));
}

/**
 * Why `source` (a JSON Schema regular expression) may take more than linear time, or null when it
 * provably cannot. It must already compile with `new RegExp(source, "u")`.
 */
export function patternProblem(source: string): string | null {
  try {
    const tree = new Parser(source).parse();
    const size = expandedSize(tree);
    if (size > MAX_PATTERN_POSITIONS) {
      return `is too large to check: it matches up to ${size >= CAP ? "billions of" : size} characters one by one once its counted repetitions are written out (at most ${MAX_PATTERN_POSITIONS})`;
    }
    const automaton = new Automaton();
    const { first } = automaton.build(tree);
    const { sets, follow, offsets } = automaton;
    const { order, cyclic } = components(follow);
    for (let p = 0; p < follow.length; p++) {
      const ways = cyclic[p] ? branching(follow[p] as Map<number, number>, sets) : 1;
      if (ways > 1) {
        return `can backtrack catastrophically: inside a repetition, the character after offset ${offsets[p]} can be matched in ${ways} ways (as in (a+)+, (a|a)*, (a|ab)*c or \\d*\\d*); rewrite it so each character has one way to match`;
      }
    }
    // Runs from each position: positions off cycles may branch; a cycle's positions follow one way
    // per character, so a component's runs are those of the best exit. Components come sinks first.
    const runs = new Array<number>(follow.length).fill(1);
    for (const component of order) {
      const next = addAll(component.map((p) => follow[p] as Map<number, number>));
      if (component.length === 1 && !cyclic[component[0] as number]) {
        const p = component[0] as number;
        runs[p] = Math.max(
          1,
          branching(next, sets, (q) => runs[q] as number),
        );
      } else {
        const members = new Set(component);
        let best = 1;
        for (const q of next.keys()) if (!members.has(q)) best = Math.max(best, runs[q] as number);
        for (const p of component) runs[p] = best;
      }
    }
    const ambiguity = Math.max(
      1,
      branching(first, sets, (q) => runs[q] as number),
    );
    if (ambiguity > MAX_PATTERN_AMBIGUITY) {
      return `can match one text in ${ambiguity >= CAP ? "billions of" : ambiguity} ways (at most ${MAX_PATTERN_AMBIGUITY}); make its alternatives start differently`;
    }
    if (!anchoredAtStart(tree)) {
      if (cyclic.some(Boolean)) {
        return "repeats without bound but does not start with ^, so it is tried from every position of the text (quadratic time); anchor it with ^ (e.g. ^.*x becomes ^[^x]*x) or bound its repetitions";
      }
      const work = times(ambiguity, longestMatch(first, follow));
      if (work > MAX_UNANCHORED_WORK) {
        return `does not start with ^, so it is tried from every position of the text, and each try may cost ${work} steps (at most ${MAX_UNANCHORED_WORK}); anchor it with ^`;
      }
    }
    return null;
  } catch (error) {
    if (error instanceof Refusal) return error.message;
    throw error;
  }
}
