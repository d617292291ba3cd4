import { textArrayLiteral } from './text-array';

describe('textArrayLiteral', () => {
  it('quotes every element and escapes quotes and backslashes', () => {
    expect(textArrayLiteral(['杭州', 'NULL', 'a,b', 'say "hi"', 'c:\\d', '{x}'])).toBe(
      '{"杭州","NULL","a,b","say \\"hi\\"","c:\\\\d","{x}"}',
    );
  });

  it('writes an empty array', () => {
    expect(textArrayLiteral([])).toBe('{}');
  });
});
