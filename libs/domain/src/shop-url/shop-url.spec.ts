import fc from 'fast-check';
import { isTrackingParameter, normalizeShopUrl } from './shop-url';

const valid = (url: string) => ({ status: 'valid', url });

describe('normalizeShopUrl', () => {
  it.each([
    ['https://shop123.taobao.com/', 'https://shop123.taobao.com'],
    ['shop123.taobao.com', 'https://shop123.taobao.com'],
    ['//shop123.taobao.com/', 'https://shop123.taobao.com'],
    ['HTTP://Shop123.TaoBao.com', 'https://shop123.taobao.com'],
    ['  https://mall.jd.com/index-1000001.html  ', 'https://mall.jd.com/index-1000001.html'],
    ['ｈｔｔｐｓ：／／ｍａｌｌ．ｊｄ．ｃｏｍ／ｉｎｄｅｘ－１．ｈｔｍｌ', 'https://mall.jd.com/index-1.html'],
    ['\u3000www.jd.com/shop\u3000', 'https://jd.com/shop'],
    ['https://m.tmall.com/shop/', 'https://tmall.com/shop'],
    ['https://wap.example.cn/s/12', 'https://example.cn/s/12'],
    ['https://www.m.example.cn/s/12', 'https://example.cn/s/12'],
    ['https://m.cn/shop', 'https://m.cn/shop'],
    ['https://jd.com./shop', 'https://jd.com/shop'],
    ['http://jd.com:80/shop', 'https://jd.com/shop'],
    ['https://jd.com:443/shop', 'https://jd.com/shop'],
    ['http://jd.com:443/shop', 'https://jd.com/shop'],
    ['https://jd.com:8443/shop', 'https://jd.com:8443/shop'],
    ['jd.com:8443/shop', 'https://jd.com:8443/shop'],
    ['https://jd.com/shop#reviews', 'https://jd.com/shop'],
    // A single-page shop's route names the shop: kept, as a path and query are.
    ['https://h5.shop.example.com/#/shop/1001/?spm=a.b&id=7', 'https://h5.shop.example.com#/shop/1001?id=7'],
    ['https://h5.shop.example.com/#!/shop/1001', 'https://h5.shop.example.com#/shop/1001'],
    ['https://h5.shop.example.com/#/', 'https://h5.shop.example.com'],
    ['https://jd.com/shop//', 'https://jd.com/shop'],
    ['https://jd.com/Shop/ABC', 'https://jd.com/Shop/ABC'],
    [
      'https://shop.example.com/?spm=a21.1&utm_source=wx&utm_medium=x&from=timeline&scm=1&share_token=t&shareId=9&ref=home',
      'https://shop.example.com',
    ],
    ['https://shop.example.com/?UTM_Source=wx&SPM=1&id=7', 'https://shop.example.com?id=7'],
    ['https://shop.example.com/s?b=2&a=1&c=3', 'https://shop.example.com/s?a=1&b=2&c=3'],
    ['https://shop.example.com/s?a=2&a=1', 'https://shop.example.com/s?a=1&a=2'],
    ['https://shop.example.com/s?referrer=x&fromage=1', 'https://shop.example.com/s?fromage=1&referrer=x'],
    ['https://shop.example.com/s?q=a b&name=店', 'https://shop.example.com/s?name=%E5%BA%97&q=a+b'],
    ['https://shop.example.com/店铺/%e5%ba%97', 'https://shop.example.com/%E5%BA%97%E9%93%BA/%E5%BA%97'],
    ['https://淘宝.example.com/', 'https://xn--pbt173b.example.com'],
    ['http://192.168.10.2:8080/shop/', 'https://192.168.10.2:8080/shop'],
    ['http://[2001:DB8::1]/shop', 'https://[2001:db8::1]/shop'],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizeShopUrl(input)).toEqual(valid(expected));
  });

  it.each([
    ['', /empty/],
    ['\u3000  ', /empty/],
    ['ftp://files.example.com/shop', /ftp/],
    ['javascript:alert(1)', /javascript/],
    ['mailto:shop@example.com', /mailto/],
    ['https://', /URL/],
    ['https:///', /URL/],
    ['localhost/shop', /not a domain name/],
    ['无', /not a domain name/],
    ['https://user:pass@shop.example.com/', /user name/],
    ['https://shop example.com/', /URL/],
    // Found by the property below: '..' was read as the host '.', which normalized again was none.
    ['..', /no host/],
    ['https://shop..example.com/', /empty label/],
  ])('rejects %j', (input, reason) => {
    const parsed = normalizeShopUrl(input);
    expect(parsed.status).toBe('malformed');
    expect(parsed.status === 'malformed' && parsed.reason).toMatch(reason);
  });

  it('rejects a URL over 2,000 characters, as given or once percent-encoded', () => {
    expect(normalizeShopUrl(`https://shop.example.com/${'a'.repeat(2000)}`)).toEqual({
      status: 'malformed',
      reason: 'longer than 2000 characters',
    });
    expect(normalizeShopUrl(`https://shop.example.com/${'a'.repeat(1970)}`).status).toBe('valid');
    expect(normalizeShopUrl(`https://shop.example.com/?q=${'店'.repeat(400)}`)).toEqual({
      status: 'malformed',
      reason: 'longer than 2000 characters once normalized',
    });
  });

  it('rejects a non-string (from untyped JSON) without throwing', () => {
    expect(normalizeShopUrl(42 as unknown as string)).toEqual({
      status: 'malformed',
      reason: 'not a string',
    });
  });

  it('never throws, and normalizing twice equals normalizing once', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.webUrl({ withQueryParameters: true, withFragments: true, validSchemes: ['http', 'https'] }),
          fc.string(),
          fc.string({ unit: 'grapheme' }).map((s) => `https://shop.example.com/${s}`),
        ),
        (input) => {
          const once = normalizeShopUrl(input);
          if (once.status === 'valid') expect(normalizeShopUrl(once.url)).toEqual(once);
        },
      ),
      { numRuns: 2000 },
    );
  });

  const TRACKING = [
    'spm=a21.1.2',
    'utm_source=wechat',
    'utm_campaign=x',
    'from=timeline',
    'scm=1.2',
    'share_token=z',
    'shareId=9',
    'ref=home',
  ];
  const parameterName = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/).filter((n) => !isTrackingParameter(n));
  const shop = fc.record({
    host: fc.domain().filter((d) => !d.includes('xn--')),
    segments: fc.array(
      fc.webSegment().filter((s) => s !== '' && s !== '.' && s !== '..'),
      { maxLength: 4 },
    ),
    parameters: fc.array(fc.tuple(parameterName, fc.string({ maxLength: 8 })), { maxLength: 4 }),
  });
  const variant = shop.chain((base) =>
    fc.record({
      base: fc.constant(base),
      scheme: fc.constantFrom('https://', 'http://', 'HTTPS://', '//', ''),
      prefix: fc.constantFrom('', 'www.', 'm.', 'wap.', 'WWW.'),
      hostCase: fc.array(fc.boolean(), { minLength: base.host.length, maxLength: base.host.length }),
      order: fc.shuffledSubarray(base.parameters, {
        minLength: base.parameters.length,
        maxLength: base.parameters.length,
      }),
      tracking: fc.shuffledSubarray(TRACKING),
      trailingSlash: fc.boolean(),
      // A place on the page; a route (#/…, #!/…) names another shop.
      fragment: fc.option(
        fc.webFragments().filter((f) => !/^!?\//.test(f)),
        { nil: undefined },
      ),
    }),
  );

  it('gives one URL for every spelling of the same shop', () => {
    fc.assert(
      fc.property(variant, ({ base, scheme, prefix, hostCase, order, tracking, trailingSlash, fragment }) => {
        const query = (pairs: readonly (readonly [string, string])[], extra: readonly string[] = []) => {
          const all = [...pairs.map(([n, v]) => `${n}=${encodeURIComponent(v)}`), ...extra];
          return all.length > 0 ? `?${all.join('&')}` : '';
        };
        const path = base.segments.map((s) => `/${s}`).join('');
        const reference = normalizeShopUrl(`https://${base.host}${path}${query(base.parameters)}`);
        expect(reference.status).toBe('valid');

        const host = [...base.host].map((c, i) => (hostCase[i] ? c.toUpperCase() : c)).join('');
        const mixed = [...order.map(([n, v]) => `${n}=${encodeURIComponent(v)}`)];
        for (const t of tracking) mixed.splice(mixed.length > 0 ? t.length % (mixed.length + 1) : 0, 0, t);
        const spelled = `${scheme}${prefix}${host}${path}${trailingSlash ? '/' : ''}${query([], mixed)}${
          fragment === undefined ? '' : `#${fragment}`
        }`;
        expect(normalizeShopUrl(spelled)).toEqual(reference);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the big platforms share links', () => {
  const same = (share: string, plain: string) =>
    expect(normalizeShopUrl(share)).toEqual(normalizeShopUrl(plain));

  it('are the shop itself, as copied from the apps', () => {
    same(
      'https://shop131282813.taobao.com/?weexShopTab=allitemsbar&weexShopSubTab=allitems&shopFrameworkType=native&sourceType=other&suid=4e349c13-684d-4715-b453-6a9e44a2f518&shareUniqueId=31038654602&ut_sk=1.Z7GLws_21646297_1743504347669.TaoPassword-WeiXin.shop&un=7d0a&share_crt_v=1&un_site=0&spSource=taobao&sp_tk=UzFX&cpp=1&shareurl=true&short_name=h.8vh2&bxsign=scd1&tk=S1WzTl6hqG0&app=chrome',
      'https://shop131282813.taobao.com/',
    );
    same(
      'https://shop778899.taobao.com/?ali_trackid=2:mm_1_2_3:1700000000_1&ali_refid=a3_1&pvid=abc&spm=a1z10',
      'https://shop778899.taobao.com',
    );
    same(
      'https://mall.jd.com/index-1000.html?PTAG=17053.1.1&cu=true&abt=3&jd_pop=x',
      'https://mall.jd.com/index-1000.html',
    );
    same(
      'https://mobile.yangkeduo.com/mall_page.html?mall_id=123&refer_share_id=9f8e&refer_share_uid=7&_x_share_id=42',
      'https://mobile.yangkeduo.com/mall_page.html?mall_id=123',
    );
  });

  it('are the shop on a Taobao or Tmall shop’s mobile host too', () => {
    same('https://shop578312.m.taobao.com/?ut_sk=1.x', 'https://shop578312.taobao.com/');
    same('https://brand.m.tmall.com/', 'https://brand.tmall.com');
    // Not the platform's own m. site, nor another site's.
    expect(normalizeShopUrl('https://m.taobao.com/')).toEqual({ status: 'valid', url: 'https://taobao.com' });
    expect(normalizeShopUrl('https://shop1.m.example.com/')).toEqual({
      status: 'valid',
      url: 'https://shop1.m.example.com',
    });
  });

  it('strip a platform own parameters on its own sites only, where elsewhere they may name the shop', () => {
    expect(normalizeShopUrl('https://shop.example.com/store?un=42&cu=7')).toEqual({
      status: 'valid',
      url: 'https://shop.example.com/store?cu=7&un=42',
    });
    expect(normalizeShopUrl('https://mobile.yangkeduo.com/mall_page.html?mall_id=123')).toEqual({
      status: 'valid',
      url: 'https://mobile.yangkeduo.com/mall_page.html?mall_id=123',
    });
  });
});
