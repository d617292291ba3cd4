export interface ConfigProblem {
  /** Dotted path of the setting, e.g. `node.region`. */
  readonly key: string;
  /** The environment variable that sets it. */
  readonly env: string;
  readonly problem: string;
}

/** Thrown at start when the configuration is incomplete or wrong; names every bad key. */
export class ConfigException extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.env} (${p.key}): ${p.problem}`).join('\n'),
    );
    this.name = 'ConfigException';
  }
}
