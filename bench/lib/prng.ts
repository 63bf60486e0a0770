// Seeded pseudo-random numbers (mulberry32), the only randomness the benchmark uses.

export type Random = () => number;

/** A deterministic generator of floats in [0, 1) for a 32-bit seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Returns the pair in an order the generator chooses, so neither side always runs first. */
export function orderPair<T>(random: Random, first: T, second: T): [T, T] {
  return random() < 0.5 ? [first, second] : [second, first];
}

/** A seeded Fisher–Yates shuffle (returns a new array). */
export function shuffle<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
