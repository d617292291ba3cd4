import 'reflect-metadata';
import { IsString, MaxLength, validateSync } from 'class-validator';
import { characterCount, Chars, MaxChars, MinChars } from './text-length';

class Note {
  @IsString()
  @MaxChars(4)
  text!: string;
}

class Named {
  @Chars(2, 3)
  name!: string;

  @MinChars(2)
  code!: string;
}

class LooseNote {
  @MaxLength(4)
  text!: string;
}

const problems = (value: object) => validateSync(value).flatMap((e) => Object.values(e.constraints ?? {}));
const note = (text: string) => problems(Object.assign(new Note(), { text }));

describe('characters counted as PostgreSQL counts them', () => {
  it('counts code points: a surrogate pair once, a variation selector as one more', () => {
    expect(characterCount('')).toBe(0);
    expect(characterCount('abc')).toBe(3);
    expect(characterCount('𠀀𠀁')).toBe(2);
    expect(characterCount('a\uFE0F')).toBe(2);
    expect(characterCount('☃\uFE0E☃\uFE0F')).toBe(4);
  });

  it('refuses text that class-validator would let overflow its column', () => {
    const overflow = 'a\uFE0F'.repeat(4);
    expect(problems(Object.assign(new LooseNote(), { text: overflow }))).toEqual([]);
    expect(note(overflow)).toEqual(['text must be shorter than or equal to 4 characters']);
    expect(note('𠀀𠀁𠀂𠀃')).toEqual([]);
    expect(note('abcde')).toEqual(['text must be shorter than or equal to 4 characters']);
  });

  it('says which bound a value misses', () => {
    const named = (name: string, code = 'xy') => problems(Object.assign(new Named(), { name, code }));
    expect(named('ab')).toEqual([]);
    expect(named('a')).toEqual(['name must be longer than or equal to 2 characters']);
    expect(named('abcd')).toEqual(['name must be shorter than or equal to 3 characters']);
    expect(named('ab', 'x')).toEqual(['code must be longer than or equal to 2 characters']);
    expect(problems(Object.assign(new Named(), { name: 5, code: 'xy' }))).toEqual([
      'name must be longer than or equal to 2 and shorter than or equal to 3 characters',
    ]);
  });
});
