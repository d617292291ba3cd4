import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ResolvedLandingDto } from './resolve-answer.dto';

describe('ResolvedLandingDto', () => {
  const problems = (plain: object) =>
    validateSync(plainToInstance(ResolvedLandingDto, plain)).map((e) => e.property);
  const landing = {
    outcome: 'matched',
    creditCode: '91330106MA2H2G2X1Q',
    differing: null,
    landedAt: '2026-12-01T08:00:00.000Z',
    landedBy: '360000',
  };

  it('takes the answer of a node that does not give candidates, abnormal or outdated', () => {
    expect(problems(landing)).toEqual([]);
  });

  it('holds them to their shape when given', () => {
    expect(problems({ ...landing, candidates: null, abnormal: true, outdated: false })).toEqual([]);
    expect(
      problems({
        ...landing,
        candidates: [{ creditCode: '91330106MA2H2G2X1Q', score: 0.9 }],
        abnormal: false,
      }),
    ).toEqual([]);
    expect(problems({ ...landing, candidates: 'many', abnormal: 'yes', outdated: 1 }).sort()).toEqual([
      'abnormal',
      'candidates',
      'outdated',
    ]);
  });
});
