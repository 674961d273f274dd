import type { RunResult } from './result.js';

export interface RenderOptions {
  /** ANSI colour (terminal only). */
  color: boolean;
  /** Where report.html lives, for the terminal's pointer to it. */
  htmlPath?: string;
}

/**
 * A report format: RunResult → text. File formats name the file they write into the run folder;
 * the terminal reporter has no file and is printed instead.
 */
export interface Reporter {
  /** Table key (= file name stem where that is natural). */
  name: string;
  /** File written into the run folder, or null for terminal output. */
  file: string | null;
  description: string;
  render(result: RunResult, opts: RenderOptions): string;
}
