/**
 * Legal-form suffixes dropped from a reduced name before its pairs are taken: a search for
 * 杭州某某 finds 杭州某某有限公司, and 有限公司 alone does not make every company look alike.
 * Where two could apply, the longer one (it starts earlier) is dropped.
 */
const LEGAL_FORM_SUFFIX =
  /(股份有限公司|有限责任公司|有限公司|股份公司|合伙企业|个人独资企业|分公司|公司|商行|经营部|店)$/u;

/**
 * The search terms of a name reduced by normalizeEntityText: the distinct pairs of adjacent
 * characters (code points) of its core, the name without its legal-form suffix, in the order they
 * first occur; a one-character core is its own term, an empty core has none. Name search matches
 * these terms, which works for CJK text whatever the database's locale.
 */
export function nameGrams(nameKey: string): string[] {
  const core = Array.from(nameKey.replace(LEGAL_FORM_SUFFIX, ''));
  if (core.length <= 1) return core;
  const grams = new Set<string>();
  for (let i = 0; i < core.length - 1; i++) grams.add(core[i]! + core[i + 1]!);
  return [...grams];
}
