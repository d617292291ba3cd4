import { normalizeCode, toHalfWidth } from './normalize-code';

describe('toHalfWidth', () => {
  it.each([
    ['９１３３０１００', '91330100'],
    ['ＡＢＣｘｙｚ', 'ABCxyz'],
    ['\u3000a\u3000', ' a '],
    ['！～', '!~'],
    ['already ascii', 'already ascii'],
    ['中文保持', '中文保持'],
  ])('maps %j to %j', (input, expected) => {
    expect(toHalfWidth(input)).toBe(expected);
  });

  it('leaves circled digits and superscripts alone (narrower than NFKC)', () => {
    expect(toHalfWidth('①²')).toBe('①²');
  });
});

describe('normalizeCode', () => {
  it.each([
    ['  91330100799655058b  ', '91330100799655058B'],
    ['\u3000９１３３０１００７９９６５５０５８Ｂ\u3000', '91330100799655058B'],
    ['\t913301００799655058ｂ\n', '91330100799655058B'],
    ['11010519491231002x', '11010519491231002X'],
    ['9133 0100', '9133 0100'],
    ['', ''],
    ['\u3000 \u3000', ''],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizeCode(input)).toBe(expected);
  });

  it('upper-cases ASCII letters only', () => {
    expect(normalizeCode('ıſé')).toBe('ıſé');
  });

  it('turns a non-string into the empty string', () => {
    expect(normalizeCode(undefined as unknown as string)).toBe('');
    expect(normalizeCode(42 as unknown as string)).toBe('');
  });
});
