import type { Reporter } from './reporter.js';

/** report.json: the RunResult itself, the source every other format can be re-rendered from. */
export default {
  name: 'json',
  file: 'report.json',
  description: 'the run as data (schema 1); `crumple report` re-renders everything from it',
  render: (result) => `${JSON.stringify(result, null, 2)}\n`,
} satisfies Reporter;
