import type { Reporter, TestModule, Vitest } from 'vitest/node';
import type { SkippedForMissingPrograms } from './missing-program.js';

/**
 * Lists, once after every test ran, the suites skipped because a program they need is missing
 * (test/helpers/external-programs.ts marks them in their meta): the per-suite "skipped" lines
 * scroll away, and a run that passes should still say what it did not test.
 */
export default class SkipSummary implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const testModule of testModules) {
      for (const suite of testModule.children.allSuites()) {
        const skipped: SkippedForMissingPrograms | undefined = suite.meta().skippedForMissingPrograms;
        if (skipped === undefined || suite.state() !== 'skipped') continue;
        const missing = skipped.missing.map(({ name, install }) => `${name} missing: ${install}`).join('; ');
        lines.push(`  ${testModule.relativeModuleId} › ${skipped.suite} — ${missing}`);
      }
    }
    if (lines.length === 0) return;
    const suites = lines.length === 1 ? '1 suite' : `${lines.length} suites`;
    const log = this.#vitest?.logger.log.bind(this.#vitest.logger) ?? console.log;
    const heading = `upsocket: ${suites} skipped because a program is missing (set UPSOCKET_EXTERNAL_CLIENTS=1 to make this a failure):`;
    log(`\n${heading}\n${lines.join('\n')}\n`);
  }
}
