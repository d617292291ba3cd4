import { platformKey, samePlatform } from './platform-name';

describe('platformKey', () => {
  it.each([
    ['淘宝', 'taobao'],
    ['淘宝网', 'taobao'],
    ['手机淘宝', 'taobao'],
    ['Taobao', 'taobao'],
    [' ＴＡＯＢＡＯ ', 'taobao'],
    ['淘宝 App', 'taobao'],
    ['天猫', 'tmall'],
    ['天猫商城', 'tmall'],
    ['京东', 'jd'],
    ['京东商城', 'jd'],
    ['京东商城App', 'jd'],
    ['JD.com', 'jd'],
    ['拼多多', 'pinduoduo'],
    ['拼多多平台', 'pinduoduo'],
    ['PDD', 'pinduoduo'],
    ['抖店', 'douyin'],
    ['抖音电商', 'douyin'],
    ['小红书', 'xiaohongshu'],
  ])('gives %s the key %s', (name, key) => {
    expect(platformKey(name)).toBe(key);
  });

  it('keeps Taobao and Tmall apart, and JD from 京东到家', () => {
    expect(samePlatform('淘宝', '天猫')).toBe(false);
    expect(samePlatform('京东', '京东到家')).toBe(false);
  });

  it('reduces a platform it does not know by case, width, spaces and generic endings', () => {
    expect(platformKey('示例电商平台')).toBe('示例');
    expect(samePlatform('示例电商平台', '示例电商')).toBe(true);
    expect(samePlatform('示例电商平台', ' 示例 ')).toBe(true);
    expect(samePlatform('Example Mall', 'examplemall')).toBe(true);
    expect(samePlatform('示例电商平台', '样例电商平台')).toBe(false);
  });

  it('keeps a name that is only a generic word', () => {
    expect(platformKey('网')).toBe('网');
    expect(platformKey('平台')).toBe('平台');
    expect(platformKey('商城')).toBe('商城');
  });
});
