import { nameGrams } from './name-grams';

describe('nameGrams', () => {
  it('takes the distinct pairs of adjacent characters of the core', () => {
    expect(nameGrams('杭州杭州网')).toEqual(['杭州', '州杭', '州网']);
  });

  it('drops one legal-form suffix, the longest that ends the name', () => {
    expect(nameGrams('杭州某某有限公司')).toEqual(['杭州', '州某', '某某']);
    expect(nameGrams('杭州某某股份有限公司')).toEqual(['杭州', '州某', '某某']);
    expect(nameGrams('杭州某某有限责任公司')).toEqual(['杭州', '州某', '某某']);
    expect(nameGrams('某某公司分公司')).toEqual(['某某', '某公', '公司']);
  });

  it('keeps a suffix inside the name', () => {
    expect(nameGrams('有限公司甲')).toEqual(['有限', '限公', '公司', '司甲']);
  });

  it('makes a one-character core its own term and an empty core none', () => {
    expect(nameGrams('甲公司')).toEqual(['甲']);
    expect(nameGrams('有限公司')).toEqual([]);
    expect(nameGrams('')).toEqual([]);
  });

  it('counts characters outside the basic plane as one', () => {
    expect(nameGrams('𠀋𠀌店')).toEqual(['𠀋𠀌']);
    expect(nameGrams('a𠀋b')).toEqual(['a𠀋', '𠀋b']);
  });
});
