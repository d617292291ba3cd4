/** Captures what a CLI command writes: pass `out` to it, read `logged` and `errors` after. */
export function captureOutput() {
  const logged: string[] = [];
  const errors: string[] = [];
  return {
    logged,
    errors,
    out: { log: (s: string) => logged.push(s), error: (s: string) => errors.push(s) },
  };
}
