// Shared by the test side (test/helpers/external-programs.ts) and the reporter
// (test/helpers/skip-summary.ts), which runs in vitest's main process: types only, so the reporter
// never loads vitest's test API.

/** A program a suite needs that is not installed here, and how to install it. */
export interface MissingProgram {
  name: string;
  install: string;
}

/** Carried by a suite skipped for a missing program, from its `describe` to the reporter. */
export interface SkippedForMissingPrograms {
  /** The suite's title without the "(skipped: …)" the runner's output shows. */
  suite: string;
  missing: MissingProgram[];
}

declare module 'vitest' {
  interface TaskMeta {
    skippedForMissingPrograms?: SkippedForMissingPrograms;
  }
}
