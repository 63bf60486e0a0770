import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alarmMustMove } from "../../../src/task-object/alarm-policy";

/** What happens to a task object's timers table between two checks, and the clock moving on. */
type Operation = { kind: "arm"; in: number } | { kind: "delete"; pick: number } | { kind: "wake"; after: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant("arm" as const), in: fc.integer({ min: -1_000, max: 100_000 }) }),
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("wake" as const), after: fc.integer({ min: 0, max: 50_000 }) }),
);

/**
 * The object's alarm bookkeeping over a timers table: every write to the table is followed by the
 * policy's check, an alarm that fires starts with no alarm set, removes the due timers and checks
 * again (as `alarm()` does).
 */
class Model {
  now = 0;
  alarmAt: number | null = null;
  timers: number[] = [];
  writes = 0;

  check(): void {
    const due = this.timers.length === 0 ? null : Math.min(...this.timers);
    if (!alarmMustMove(this.alarmAt, due)) return;
    this.alarmAt = due;
    this.writes += 1;
  }

  apply(op: Operation): void {
    if (op.kind === "arm") this.timers.push(this.now + op.in);
    else if (op.kind === "delete") {
      if (this.timers.length > 0) this.timers.splice(op.pick % this.timers.length, 1);
    } else {
      this.now += op.after;
      // The alarm fires only once its time has come; it takes the alarm with it.
      if (this.alarmAt === null || this.alarmAt > this.now) return;
      this.alarmAt = null;
      this.timers = this.timers.filter((due) => due > this.now);
    }
    this.check();
  }
}

describe("the task object's alarm policy", () => {
  it("never leaves a timer without an alarm at or before its due time", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (ops) => {
        const model = new Model();
        for (const op of ops) {
          model.apply(op);
          if (model.timers.length > 0) {
            expect(model.alarmAt).not.toBeNull();
            expect(model.alarmAt).toBeLessThanOrEqual(Math.min(...model.timers));
          }
        }
      }),
    );
  });

  it("never moves the alarm for a timer due after it, nor for a deleted timer", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (ops) => {
        const model = new Model();
        for (const op of ops) {
          const before = model.alarmAt;
          model.apply(op);
          if (op.kind === "wake" || before === null) continue;
          // Between wakes the alarm only ever moves earlier.
          expect(model.alarmAt).not.toBeNull();
          expect(model.alarmAt).toBeLessThanOrEqual(before);
          if (op.kind === "delete" || (op.kind === "arm" && model.now + op.in >= before)) expect(model.alarmAt).toBe(before);
        }
      }),
    );
  });

  it("writes the alarm when none is set or a timer comes due before it, and only then", () => {
    expect(alarmMustMove(null, 5)).toBe(true);
    expect(alarmMustMove(10, 5)).toBe(true);
    expect(alarmMustMove(10, 10)).toBe(false);
    expect(alarmMustMove(10, 15)).toBe(false);
    expect(alarmMustMove(10, null)).toBe(false);
    expect(alarmMustMove(null, null)).toBe(false);
  });
});
