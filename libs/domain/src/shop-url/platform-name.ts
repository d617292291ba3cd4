/**
 * Which platform a name means. Platforms name themselves in their reports as they please (淘宝,
 * 淘宝网, Taobao), and officers write them as they know them (京东 for a report's 京东商城, JD):
 * one platform, several names. `platformKey` gives every name of a platform the same key, so that
 * a lookup by platform and shop id finds the shop whichever name either side used.
 */

/**
 * Names of the platforms officers ask about most, by key. A name is compared after
 * `simplifyPlatformName`, so case, width and spaces do not matter, and a generic ending (网, 商城,
 * 平台, App) is dropped before the names are compared again.
 */
const PLATFORM_NAMES: Readonly<Record<string, readonly string[]>> = {
  taobao: ['淘宝', '手机淘宝', 'taobao', 'taobao.com'],
  tmall: ['天猫', 'tmall', 'tmall.com'],
  jd: ['京东', 'jd', 'jd.com', 'jingdong'],
  pinduoduo: ['拼多多', 'pdd', 'pinduoduo', 'yangkeduo'],
  douyin: ['抖音', '抖店', '抖音电商', '抖音小店', 'douyin'],
  kuaishou: ['快手', '快手小店', '快手电商', 'kuaishou'],
  xiaohongshu: ['小红书', 'xiaohongshu', 'xhs', 'rednote'],
  wechat: ['微信小店', '视频号', '视频号小店', 'wechat'],
  meituan: ['美团', 'meituan'],
  eleme: ['饿了么', 'ele.me', 'eleme'],
  vip: ['唯品会', 'vip.com', 'vipshop'],
  suning: ['苏宁易购', '苏宁', 'suning'],
  xianyu: ['闲鱼', 'xianyu', 'goofish'],
  '1688': ['1688', '阿里巴巴1688', '1688.com'],
  weidian: ['微店', 'weidian'],
  dewu: ['得物', 'dewu', 'poizon'],
  youzan: ['有赞', 'youzan'],
};

/** What a platform's name may end with without naming another platform. */
const GENERIC_ENDINGS = ['平台', '商城', '电商', '官网', 'app', '网'] as const;

const KEYS: ReadonlyMap<string, string> = new Map(
  Object.entries(PLATFORM_NAMES).flatMap(([key, names]) =>
    names.map((name) => [simplifyPlatformName(name), key] as const),
  ),
);

/** A platform's name with case, full-width forms and spaces taken out. */
function simplifyPlatformName(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/gu, '');
}

/**
 * The key of the platform `name` means: the same for every name of a platform listed here (淘宝网,
 * 手机淘宝 and Taobao give `taobao`); for another platform, its name without case, width, spaces and
 * generic endings, so that 示例电商平台 and 示例电商 are one platform too.
 */
export function platformKey(name: string): string {
  let simple = simplifyPlatformName(name);
  for (;;) {
    const known = KEYS.get(simple);
    if (known !== undefined) return known;
    const ending = GENERIC_ENDINGS.find((end) => simple.length > end.length && simple.endsWith(end));
    if (ending === undefined) return simple;
    // 京东商城App: App, then 商城.
    simple = simple.slice(0, -ending.length);
  }
}

/** Whether two names mean the same platform. */
export function samePlatform(a: string, b: string): boolean {
  return platformKey(a) === platformKey(b);
}

/**
 * Of `rows` (shops, results), those of the platform `name` means, in their order but those named
 * exactly as written first.
 */
export function ofPlatform<T extends { readonly platform: string }>(rows: readonly T[], name: string): T[] {
  const meant = rows.filter((row) => samePlatform(row.platform, name));
  return [...meant.filter((row) => row.platform === name), ...meant.filter((row) => row.platform !== name)];
}
