import 'reflect-metadata';
import { IsOptional, IsString } from 'class-validator';
import { MaxChars } from '@regulink/protocol';
import { checkLineShape, withHalfWidthCodes } from './line-shape';

class SampleLineDto {
  @IsString()
  @MaxChars(5)
  code!: string;

  @IsOptional()
  @IsString()
  note?: string;
}

describe('checkLineShape', () => {
  it('trims values and treats an empty one as absent', () => {
    expect(checkLineShape(SampleLineDto, { code: '  ab ', note: '   ' })).toEqual({
      line: Object.assign(new SampleLineDto(), { code: 'ab' }),
    });
  });

  it('names each field at fault, including a missing one and an unknown one', () => {
    const result = checkLineShape(SampleLineDto, { code: '', colour: 'red' });
    expect('problems' in result && result.problems.map((p) => p.field).sort()).toEqual(['code', 'colour']);
  });

  it('refuses a value that is too long', () => {
    const result = checkLineShape(SampleLineDto, { code: 'abcdef' });
    expect(result).toEqual({ problems: [{ field: 'code', reason: expect.stringMatching(/5/) }] });
  });

  it('refuses names that reach the object machinery, and leaves the prototype alone', () => {
    for (const line of [
      JSON.parse('{"code":"ab","__proto__":{"polluted":true}}') as Record<string, unknown>,
      { code: 'ab', constructor: 'x' },
      { code: 'ab', prototype: 'x' },
    ]) {
      const result = checkLineShape(SampleLineDto, line);
      expect('problems' in result && result.problems).toEqual([
        { field: expect.stringMatching(/^(__proto__|constructor|prototype)$/), reason: expect.any(String) },
      ]);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(new SampleLineDto())).toBe(SampleLineDto.prototype);
  });
});

describe('withHalfWidthCodes', () => {
  it('writes the named codes half-width, and only those', () => {
    const values = { divisionCode: '\u3000３３０１０６', address: '西湖区文三路１号' };
    expect(withHalfWidthCodes(values, ['divisionCode'])).toEqual({
      divisionCode: ' 330106',
      address: '西湖区文三路１号',
    });
    // Nothing to change: the same object, no copy per line.
    const plain = { divisionCode: '330106' };
    expect(withHalfWidthCodes(plain, ['divisionCode'])).toBe(plain);
  });
});
