// A page's live reads: read now, then again after the delay each read asks for, until the page is left.

export interface PageLoop {
  /** Whether the page was left: a read answered after that must draw nothing. */
  readonly stopped: boolean;
  /** Reads at once (after an action), in place of the pending read. */
  now(): Promise<void>;
  /** Reads no more. */
  stop(): void;
}

/** `read` draws the page and answers the milliseconds until the next read, or null to read no more (a finished task). */
export function pageLoop(read: () => Promise<number | null>): PageLoop {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loop: PageLoop = {
    get stopped() {
      return stopped;
    },
    async now() {
      clearTimeout(timer);
      const next = await read();
      if (!stopped && next !== null) timer = setTimeout(() => void loop.now(), next);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
  return loop;
}
