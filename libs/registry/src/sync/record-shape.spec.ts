import 'reflect-metadata';
import { IsString } from 'class-validator';
import { MaxChars } from '@regulink/protocol';
import { recordShapeProblem } from './record-shape';

class NoteRecord {
  @IsString()
  @MaxChars(10)
  text!: string;
}

describe('recordShapeProblem', () => {
  it('finds nothing wrong with a record that keeps its shape', () => {
    expect(recordShapeProblem(NoteRecord, { text: '网店' })).toBeNull();
  });

  it('refuses a NUL character, which would fail the whole batch at its write', () => {
    expect(recordShapeProblem(NoteRecord, { text: 'a\u0000' })).toBe(
      'text holds a NUL character (U+0000), which cannot be stored',
    );
  });

  it('names what breaks the shape, without quoting values', () => {
    expect(recordShapeProblem(NoteRecord, [])).toBe('not an object');
    expect(recordShapeProblem(NoteRecord, { text: 'x'.repeat(11), extra: 'secret' })).toBe(
      'property extra should not exist; text must be shorter than or equal to 10 characters',
    );
  });
});
