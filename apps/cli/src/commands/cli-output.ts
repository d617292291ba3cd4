/**
 * Where a command writes: results to `log` (stdout), problems to `error` (stderr), and, when
 * given, a running import's progress to `progress` (stderr, redrawn in place on a terminal).
 * `prompt` reads a secret without echo; it is there only when a person sits at a terminal.
 */
export interface CliOutput {
  log(line: string): void;
  error(line: string): void;
  readonly progress?: { write(text: string): void; readonly isTTY: boolean };
  prompt?(question: string): Promise<string>;
}

/**
 * The command line's own settings: REGULINK_URL, REGULINK_TOKEN, REGULINK_PASSWORD,
 * REGULINK_NEW_PASSWORD, REGULINK_CLI_HOME.
 */
export type CliEnv = Readonly<Record<string, string | undefined>>;
