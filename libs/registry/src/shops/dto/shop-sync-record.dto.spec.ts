import { recordShapeProblem } from '../../sync/record-shape';
import { ShopWithdrawalDto } from './shop-sync-record.dto';

describe('a shop withdrawal as it crosses', () => {
  const withdrawal = {
    v: 1,
    withdrawn: true,
    platform: '示例电商平台',
    url: 'https://shop1.mall.example.com',
    reportedBy: '330000',
  };

  it('passes as the feed writes it', () => {
    expect(recordShapeProblem(ShopWithdrawalDto, withdrawal)).toBeNull();
  });

  it.each([
    ['a missing sender', { ...withdrawal, reportedBy: undefined }, /reportedBy/],
    ['an empty URL', { ...withdrawal, url: '' }, /url/],
    ['another version', { ...withdrawal, v: 2 }, /v must be equal/],
    ['withdrawn false', { ...withdrawal, withdrawn: false }, /withdrawn/],
    [
      'anything more (personal data, where it went)',
      { ...withdrawal, homeDivision: '370102' },
      /homeDivision/,
    ],
  ])('is refused with %s', (_, record, problem) => {
    expect(recordShapeProblem(ShopWithdrawalDto, record)).toMatch(problem);
  });
});
