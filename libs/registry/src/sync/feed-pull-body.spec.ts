import 'reflect-metadata';
import { validateSync } from 'class-validator';
import { FeedPullBody } from './sync.service';

describe('FeedPullBody', () => {
  const problems = (after: unknown) => validateSync(Object.assign(new FeedPullBody(), { after })).length;

  it('takes a feed position that fits a bigint', () => {
    for (const after of ['0', '1', '4711', '9'.repeat(18)]) expect(problems(after)).toBe(0);
  });

  it('refuses what is not one, and 19 digits, which may not fit', () => {
    for (const after of ['9'.repeat(19), '-1', '01', '1.5', '', 'x', 7]) expect(problems(after)).toBe(1);
  });
});
