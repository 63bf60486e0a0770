// The text fields of requests (initiator, reason, tags, …): trimmed, bounded, and free of invisible controls.
import { z } from "zod";

/**
 * Characters a request's text may not hold: control characters (C0, DEL, C1: they forge log lines
 * and terminal output), the bidirectional controls that make text display in another order than
 * it reads (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069), the line and paragraph
 * separators, and unpaired surrogates (not text at all).
 */
export const UNPRINTABLE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]|\p{Cs}/u;

/** A trimmed, non-empty string of at most `max` characters with nothing UNPRINTABLE in it. */
export const printableText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((text) => !UNPRINTABLE.test(text), {
      message: "must not contain control characters, bidirectional-text controls or unpaired surrogates",
    });
