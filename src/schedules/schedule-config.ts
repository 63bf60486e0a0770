// A schedule's configuration and views: what its object stores and answers, and how schedule ids are made.
import type { OverlapPolicy, ScheduleTiming } from "../templates/schedule-spec";

/** Everything that says what a schedule starts and when; set at creation (API) or by reconciliation (template). */
export interface ScheduleConfig extends ScheduleTiming {
  schedule_id: string;
  name: string;
  namespace: string;
  template_name: string;
  /** null: the template's newest version at each fire. */
  template_version: string | null;
  source: "template" | "api";
  context: Record<string, unknown>;
  overlap: OverlapPolicy;
  catch_up: number;
  /** Who created it; the tasks it starts record this as their creator. */
  created_by: string;
  /** The creator's namespaces: the tasks it starts (and their children) stay within them. */
  namespace_scope: string[] | null;
}

/** What became of one fire time. */
export type FireOutcome = "started" | "skipped" | "buffered" | "failed" | "missed";

export interface FireRecord {
  fire_at: string;
  manual: boolean;
  outcome: FireOutcome;
  task_uuid: string | null;
  detail: string | null;
  recorded_at: string;
}

/** A schedule as `GET /v1/schedules/{schedule_id}` shows it. */
export interface ScheduleView extends ScheduleConfig {
  paused: boolean;
  paused_by: string | null;
  next_fire_at: string | null;
  last_fire_at: string | null;
  last_task_uuid: string | null;
  /** A fire held by `buffer_one` until the previous task ends. */
  buffered_fire_at: string | null;
  /** Missed fire times dropped by the catch-up bound since the schedule was created. */
  missed_fires: number;
  created_at: string;
  updated_at: string;
  /** The latest fires, newest first. */
  recent_fires: FireRecord[];
}

/** The id of a schedule made through the API: `<namespace>.<name>`. */
export const apiScheduleId = (namespace: string, name: string) => `${namespace}.${name}`;
/** The id of a schedule a template declares: `<namespace>.<template>.<name>` (never equal to an API one). */
export const templateScheduleId = (namespace: string, template: string, name: string) => `${namespace}.${template}.${name}`;
/** What a schedule id looks like: two or three names joined by dots. */
export const SCHEDULE_ID_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$/;
