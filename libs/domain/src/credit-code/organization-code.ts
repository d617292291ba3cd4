/**
 * Organization code (组织机构代码, GB 11714): eight body characters plus one check character.
 * In a credit code it fills positions 9–17.
 */

const ORGANIZATION_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;
const ORGANIZATION_BODY_PATTERN = /^[0-9A-Z]{8}$/;

/**
 * Value of a body character in GB 11714: the full table 0–9, A=10 … Z=35. This is NOT the credit
 * code's 31-symbol alphabet index (there J is 18, here it is 19), so the two must never be mixed.
 */
function organizationCharacterValue(character: string): number {
  return Number.parseInt(character, 36);
}

/**
 * The GB 11714 check character for an eight-character body (digits and upper-case letters):
 * `c = 11 − (Σ value·weight mod 11)`, with 10 → `X` and 11 → `0`.
 *
 * @throws RangeError when `first8` is not eight characters from 0–9A–Z.
 */
export function organizationCodeCheckCharacter(first8: string): string {
  if (!ORGANIZATION_BODY_PATTERN.test(first8)) {
    throw new RangeError('An organization code body is eight characters from 0-9 and A-Z.');
  }
  let sum = 0;
  for (let i = 0; i < ORGANIZATION_CODE_WEIGHTS.length; i++) {
    sum += organizationCharacterValue(first8[i]) * ORGANIZATION_CODE_WEIGHTS[i];
  }
  const check = 11 - (sum % 11);
  if (check === 10) {
    return 'X';
  }
  if (check === 11) {
    return '0';
  }
  return String(check);
}
