/**
 * A text array as PostgreSQL writes it (`{"a","b"}`), every element quoted: how one row's array
 * travels inside a batch's array of rows (`unnest($1::text[])`, then `::text[]` per row), since a
 * parameter array of arrays must be rectangular.
 */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}
