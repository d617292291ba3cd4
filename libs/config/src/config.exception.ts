export interface ConfigProblem {
  /**
   * Dotted path of the setting, e.g. `node.region`, or what is wrong as a whole in parentheses:
   * `(file)`, `(environment)`.
   */
  readonly key: string;
  /** The environment variable that sets it, or `(config file)` for a key only the file has. */
  readonly env: string;
  readonly problem: string;
}

/** Thrown at start when the configuration is incomplete or wrong; names every bad key. */
export class ConfigException extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems
          .map((p) => `  - ${p.env} ${p.key.startsWith('(') ? p.key : `(${p.key})`}: ${p.problem}`)
          .join('\n'),
    );
    this.name = 'ConfigException';
  }
}
