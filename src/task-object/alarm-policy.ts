// When the task object writes its one alarm: only when a timer is due before the alarm already set.

/**
 * Whether the alarm must be written for the earliest timer `due`: only when no alarm is set or that
 * timer is due before it. An alarm set earlier than every timer stays where it is (a timer deleted,
 * a claim's deadline replacing an earlier timer): it wakes, finds nothing due and re-arms at the next
 * timer. So every timer always has an alarm at or before its due time, and the alarm is written at
 * most once per timer that comes due earlier than any before it.
 */
export function alarmMustMove(alarmAt: number | null, due: number | null): due is number {
  return due !== null && (alarmAt === null || due < alarmAt);
}
