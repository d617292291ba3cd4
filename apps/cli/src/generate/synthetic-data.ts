import {
  MARKET_ENTITY_COLUMNS,
  SHOP_REPORT_COLUMNS,
  cityOf,
  creditCodeCheckCharacter,
  findDivision,
  normalizeEntityText,
  organizationCodeCheckCharacter,
  provinceOf,
  regionHolding,
  regionPrefix,
  residentIdCheckCharacter,
  SAME_TEXT,
  textSimilarity,
} from '@regulink/domain';

/**
 * Synthetic data for a federation: entity registers (one per region) and a platform's shop report,
 * in the CSV formats the node's imports read, with deliberate defects whose landing (网店落地)
 * outcome is known in advance. Pure and deterministic: the same options give the same data, byte
 * for byte; nothing reads the clock or `Math.random`.
 */

/** What to generate. Rates are fractions in [0, 1]. */
export interface SyntheticOptions {
  /** PRNG seed, an integer from 0 to 2^32 − 1. */
  readonly seed: number;
  /** The region where the platforms are domiciled (a province or city code): its node receives the shop report. */
  readonly platformRegion: string;
  /** Other regions whose sellers trade on the platforms (province or city codes, none overlapping). */
  readonly sellerRegions: readonly string[];
  /** Shops in the report. */
  readonly shops: number;
  /** Share of the shops run by unregistered natural persons (resident ID and exemption ground). */
  readonly unregisteredShare: number;
  /**
   * Shares of the registered sellers' shops (those reported with a credit code) carrying each defect:
   * the report names the operator differently from its register (`mismatch`), the operator is
   * deregistered or revoked (`deregistered`), or its valid credit code is in no register (`unknown`).
   * They must add up to at most 1.
   */
  readonly defects: { readonly mismatch: number; readonly deregistered: number; readonly unknown: number };
}

export const DEFAULT_SYNTHETIC_OPTIONS: SyntheticOptions = Object.freeze({
  seed: 1,
  platformRegion: '330000',
  sellerRegions: Object.freeze(['360000', '370000']),
  shops: 1000,
  unregisteredShare: 0.3,
  defects: Object.freeze({ mismatch: 0.05, deregistered: 0.05, unknown: 0.05 }),
});

/** The most shops one run generates (memory grows with the count). */
export const MAX_SYNTHETIC_SHOPS = 2_000_000;

/** The half-year the shop report covers (reported in January 2026). */
export const SYNTHETIC_REPORT_PERIOD = '2025-H2';

/** The day the data describes: divisions are those in force then, and every date is before it. */
export const SYNTHETIC_AS_OF = '2026-01-05';

/** One line of an entity register, under the register import's column names ('' = absent). */
export interface RegisterRow {
  readonly creditCode: string;
  readonly name: string;
  readonly entityType: string;
  readonly legalRepresentative: string;
  readonly registeredAddress: string;
  readonly divisionCode: string;
  /** active, deregistered, revoked or abnormal (经营异常名录). */
  readonly status: EntityStatus;
  /** YYYY-MM-DD */
  readonly establishedOn: string;
  /** YYYY-MM-DD, or '' for an active entity. */
  readonly statusChangedOn: string;
  readonly businessScope: string;
  /** ISO 8601 with the China offset, `2025-03-04T10:11:12+08:00`. */
  readonly updatedAt: string;
}

export type EntityStatus = 'active' | 'deregistered' | 'revoked' | 'abnormal';

/** One line of a platform's shop report, under the shop report import's column names ('' = absent). */
export interface ShopRow {
  readonly platform: string;
  readonly shopId: string;
  readonly shopName: string;
  readonly shopUrl: string;
  readonly operatorName: string;
  readonly operatorCreditCode: string;
  /** Always '' here: every registered seller is generated with a credit code. */
  readonly operatorRegistrationNumber: string;
  /** Unregistered sellers only (personal data, synthetic). */
  readonly operatorResidentId: string;
  /** Unregistered sellers only. */
  readonly exemptionGround: string;
  readonly operatingAddress: string;
  readonly operatingDivisionCode: string;
  readonly contact: string;
  readonly reportPeriod: string;
}

export type SyntheticDefect = 'mismatch' | 'deregistered' | 'unknown';

/**
 * What landing the shop on its home region's register gives: the outcomes of `landOperator`,
 * plus `unregistered` for a natural person without a credit code (landed by name, that finds no
 * entity: `not-found` on the node).
 */
export type ExpectedOutcome =
  'matched' | 'mismatch' | 'deregistered' | 'revoked' | 'not-found' | 'unregistered';

/** What a shop was generated to be, and so what its landing should say. */
export interface ShopExpectation {
  readonly platform: string;
  readonly shopId: string;
  /** The region (one of the options' regions) whose node lands the shop. */
  readonly homeRegion: string;
  /** The defect put in, or null for a clean line. */
  readonly defect: SyntheticDefect | null;
  readonly outcome: ExpectedOutcome;
  /** The register entry the shop lands on is on the abnormal list (matched or mismatch only). */
  readonly abnormal: boolean;
}

export interface SyntheticData {
  /** Register lines per region code, for the platform region and every seller region. */
  readonly registers: Record<string, RegisterRow[]>;
  readonly shops: ShopRow[];
  /** One per shop, in the same order as `shops`. */
  readonly expected: ShopExpectation[];
}

/** Generates the data; throws a `RangeError` listing every problem when the options are bad. */
export function generateSyntheticData(options: SyntheticOptions): SyntheticData {
  const problems = syntheticOptionProblems(options);
  if (problems.length > 0) throw new RangeError(`bad synthetic data options: ${problems.join('; ')}`);
  return new Generator(options).run();
}

/** What is wrong with the options, one message each; empty when they are good. */
export function syntheticOptionProblems(options: SyntheticOptions): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    problems.push('seed must be an integer from 0 to 4294967295');
  }
  if (!Number.isInteger(options.shops) || options.shops < 0 || options.shops > MAX_SYNTHETIC_SHOPS) {
    problems.push(`shops must be an integer from 0 to ${MAX_SYNTHETIC_SHOPS}`);
  }
  const rates: [string, number][] = [
    ['unregistered share', options.unregisteredShare],
    ['mismatch rate', options.defects.mismatch],
    ['deregistered rate', options.defects.deregistered],
    ['unknown rate', options.defects.unknown],
  ];
  for (const [what, rate] of rates) {
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) problems.push(`${what} must be from 0 to 1`);
  }
  const { mismatch, deregistered, unknown } = options.defects;
  if (mismatch + deregistered + unknown > 1 + 1e-9) problems.push('the defect rates add up to more than 1');
  const regions: string[] = [];
  for (const region of [options.platformRegion, ...options.sellerRegions]) {
    const problem = regionProblem(region);
    if (problem) problems.push(problem);
    else regions.push(region);
  }
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) {
      const [a, b] = [regionPrefix(regions[i]!), regionPrefix(regions[j]!)];
      if (a.startsWith(b) || b.startsWith(a))
        problems.push(`regions ${regions[i]} and ${regions[j]} overlap`);
    }
  }
  return problems;
}

function regionProblem(region: string): string | undefined {
  if (typeof region !== 'string' || !/^\d{6}$/.test(region)) return `region ${region} is not six digits`;
  const division = findDivision(region, AS_OF_DATE);
  if (!division) return `region ${region} is not a division in force`;
  if (division.level === 'county') return `region ${region} is a county, not a province or city`;
  if (countiesOf(region).length === 0) return `region ${region} has no county-level divisions`;
  return undefined;
}

/** The register as CSV text: a header row with the import's column names, then one line per row. */
export function registerCsvText(rows: readonly RegisterRow[]): string {
  return csvText(MARKET_ENTITY_COLUMNS, rows);
}

/** The shop report as CSV text: a header row with the import's column names, then one line per row. */
export function shopReportCsvText(rows: readonly ShopRow[]): string {
  return csvText(SHOP_REPORT_COLUMNS, rows);
}

function csvText<T>(columns: readonly (keyof T & string)[], rows: readonly T[]): string {
  const lines = new Array<string>(rows.length + 1);
  lines[0] = columns.join(',');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    lines[i + 1] = columns.map((c) => csvField(String(row[c]))).join(',');
  }
  return `${lines.join('\n')}\n`;
}

/** RFC 4180: a field holding a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

// ---------------------------------------------------------------------------------------------
// Randomness: sfc32 (Chris Doty-Humphrey's small fast counting PRNG), seeded through splitmix32.
// Statistical quality only; nothing here is secret.

class Random {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    let s = seed >>> 0;
    const mix = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

// ---------------------------------------------------------------------------------------------
// Divisions

const AS_OF_DATE = new Date(`${SYNTHETIC_AS_OF}T12:00:00+08:00`);

/** Development zones and the like are county-level codes too, but nobody's address names them. */
const NOT_A_PLACE = /(开发区|园区|管理区|示范区|合作区|实验区|经济区|度假区|风景区)$/;

const countyCache = new Map<string, readonly string[]>();

/**
 * The county-level divisions in force inside a province or city, from the division table (each
 * candidate code under the region's prefix is looked up): where entities and sellers are placed.
 */
export function countiesOf(region: string): readonly string[] {
  const cached = countyCache.get(region);
  if (cached) return cached;
  const prefix = regionPrefix(region);
  const counties: string[] = [];
  if (/^\d{6}$/.test(region) && prefix.length < 6) {
    const cities =
      prefix.length === 4 ? [prefix] : Array.from({ length: 99 }, (_, i) => `${prefix}${pad2(i + 1)}`);
    for (const city of cities) {
      for (let d = 1; d <= 99; d++) {
        const code = `${city}${pad2(d)}`;
        const division = findDivision(code, AS_OF_DATE);
        if (division?.level === 'county' && !NOT_A_PLACE.test(division.name)) counties.push(code);
      }
    }
  }
  countyCache.set(region, Object.freeze(counties));
  return counties;
}

/** How a county is written in an address, and the short place word that opens a company name. */
interface Place {
  readonly code: string;
  /** `浙江省杭州市西湖区`, `北京市朝阳区`. */
  readonly address: string;
  /** `杭州`, `北京`; for a county under a 地区/自治州, the county's own short name. */
  readonly short: string;
  /** `杭州市西湖区`, the prefix of an individual business's name. */
  readonly admin: string;
}

const placeCache = new Map<string, Place>();

function placeOf(code: string): Place {
  const cached = placeCache.get(code);
  if (cached) return cached;
  const county = findDivision(code)!;
  const province = provinceOf(code)!;
  const city = cityOf(code);
  const municipality = county.parentCode === province.code && code.slice(2, 4) !== '90';
  const cityName = city?.name ?? '';
  let short: string;
  if (municipality) short = province.name.replace(/市$/, '');
  else if (city && /市$/.test(city.name) && city.name.length >= 3) short = city.name.replace(/市$/, '');
  else
    short = county.name.length >= 3 ? county.name.replace(/(自治县|自治旗|县|区|市|旗)$/, '') : county.name;
  const admin = municipality ? `${province.name}${county.name}` : `${cityName || ''}${county.name}`;
  const place: Place = {
    code,
    address: municipality ? admin : `${province.name}${cityName}${county.name}`,
    short,
    admin,
  };
  placeCache.set(code, place);
  return place;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// ---------------------------------------------------------------------------------------------
// Word lists

const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤',
];
const GIVEN = [
  ...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏宇浩凯俊帅欣怡婷雪琳晨博涵梓轩睿佳思雨嘉鑫志国海林斌波峰慧倩颖琴云飞亮成兰凤燕',
];
const BRAND = [
  ...'华信诚达盛鑫源恒泰丰瑞祥宏昌隆兴和美佳优创新汇聚博锦润通顺凯宇星辰悦禾采品尚易联远云智维德福康乐安益诺朗雅弘景晟',
];

interface Trade {
  /** In a company name: `电子商务` → `杭州华信电子商务有限公司`. */
  readonly company: string;
  /** In an individual business's or a shop's name. */
  readonly shop: string;
  /** The scope of business (经营范围) items. */
  readonly scope: string;
}

const TRADES: readonly Trade[] = [
  {
    company: '电子商务',
    shop: '百货',
    scope: '互联网销售（除销售需要许可的商品）；日用百货销售；服装服饰零售；电子产品销售',
  },
  { company: '服饰', shop: '服饰', scope: '服装服饰批发；服装服饰零售；鞋帽批发；鞋帽零售；箱包销售' },
  {
    company: '食品',
    shop: '食品',
    scope: '食品销售（仅销售预包装食品）；食用农产品零售；互联网销售（除销售需要许可的商品）',
  },
  {
    company: '科技',
    shop: '数码',
    scope: '技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；软件开发；计算机软硬件及辅助设备零售',
  },
  {
    company: '贸易',
    shop: '商贸',
    scope: '货物进出口；技术进出口；国内贸易代理；五金产品批发；电子产品销售',
  },
  { company: '家居', shop: '家居', scope: '家居用品销售；家具销售；日用玻璃制品销售；家用纺织制成品制造' },
  { company: '茶业', shop: '茶叶', scope: '茶叶种植；初级农产品收购；食用农产品批发；食用农产品零售' },
  {
    company: '母婴用品',
    shop: '母婴',
    scope: '母婴用品销售；玩具销售；婴幼儿配方乳粉及其他婴幼儿配方食品销售',
  },
  { company: '化妆品', shop: '美妆', scope: '化妆品零售；化妆品批发；个人卫生用品销售；日用化学产品销售' },
  {
    company: '农业科技',
    shop: '农产品',
    scope: '农业科学研究和试验发展；食用农产品零售；水果种植；蔬菜种植',
  },
  {
    company: '文化传媒',
    shop: '文创',
    scope: '组织文化艺术交流活动；广告设计、代理；文具用品零售；工艺美术品销售',
  },
  {
    company: '宠物用品',
    shop: '宠物',
    scope: '宠物食品及用品零售；宠物食品及用品批发；宠物服务（不含动物诊疗）',
  },
];

const GENERAL_SCOPE = '（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）';

const ENTERPRISE_TYPES = [
  '有限责任公司（自然人独资）',
  '有限责任公司（自然人投资或控股）',
  '有限责任公司（自然人投资或控股）',
  '有限责任公司（非自然人投资或控股的法人独资）',
  '股份有限公司（非上市、自然人投资或控股）',
];
const INDIVIDUAL_BUSINESS = '个体工商户';
const INDIVIDUAL_SUFFIXES = ['店', '商行', '经营部', '网店'];

const ROADS = [
  '人民路',
  '解放路',
  '中山路',
  '建设路',
  '文化路',
  '新华路',
  '长江路',
  '学院路',
  '光明路',
  '胜利路',
  '青年路',
  '和平路',
  '工业路',
  '创业路',
  '兴业路',
  '科技路',
  '东风路',
  '环城北路',
  '滨江路',
  '湖滨路',
  '金山路',
  '望江路',
];

const EXEMPTION_GROUNDS = [
  '销售自产农副产品',
  '销售家庭手工业产品',
  '个人利用自己的技能从事依法无须取得许可的便民劳务活动',
  '零星小额交易活动',
];
const UNREGISTERED_GOODS = [
  '土特产',
  '农家蜂蜜',
  '笋干',
  '手工饰品',
  '手作布艺',
  '二手书',
  '茶叶',
  '水果',
  '腊味',
];

interface Platform {
  readonly name: string;
  url(shopId: string): string;
}

/** Made-up platforms on reserved example domains, each with its own URL shape. */
const PLATFORMS: readonly Platform[] = [
  { name: '浙里购', url: (id) => `https://shop${id}.zheligou.example.com/` },
  { name: '云集市', url: (id) => `https://m.yunjishi.example.com/store?id=${id}` },
  { name: '西子优品', url: (id) => `https://www.xiziyoupin.example.com/shop/${id}` },
];

/** How often a registered seller's next shop is run by an entity that already has one. */
const REUSE_OPERATOR = 0.2;
/** Register lines beyond the operators of shops (entities without an online shop), per operator. */
const REGISTER_ONLY = 0.1;
/** Share of newly made operators on the abnormal list (they still land, flagged). */
const ABNORMAL_SHARE = 0.04;

// ---------------------------------------------------------------------------------------------

type ShopKind = 'clean' | SyntheticDefect | 'unregistered';

interface Operator {
  readonly row: RegisterRow;
  readonly place: Place;
  readonly trade: Trade;
  readonly brand: string;
  readonly individual: boolean;
}

const ORG_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const MA_SPACE = 31 ** 6;
const NUMERIC_SPACE = 100_000_000;
const SHOP_ID_SPACE = 9_000_000_000;

class Generator {
  private readonly random: Random;
  private readonly regions: readonly string[];
  private readonly registers: Record<string, RegisterRow[]> = {};
  /** Operators that may take another shop, by region: in good standing, or deregistered/revoked. */
  private readonly live = new Map<string, Operator[]>();
  private readonly gone = new Map<string, Operator[]>();
  private readonly names = new Map<string, Set<string>>();
  private maCodes = 0;
  private numericCodes = 0;
  /** Bijections over each code space (a multiplier coprime with the space): distinct serials, distinct codes. */
  private readonly maOffset: number;
  private readonly numericOffset: number;
  private readonly shopOffset: number;

  constructor(private readonly options: SyntheticOptions) {
    this.random = new Random(options.seed);
    this.regions = [options.platformRegion, ...options.sellerRegions];
    for (const region of this.regions) {
      this.registers[region] = [];
      this.live.set(region, []);
      this.gone.set(region, []);
      this.names.set(region, new Set());
    }
    this.maOffset = this.random.int(MA_SPACE);
    this.numericOffset = this.random.int(NUMERIC_SPACE);
    this.shopOffset = this.random.int(SHOP_ID_SPACE);
  }

  run(): SyntheticData {
    const kinds = this.shopKinds();
    const shops: ShopRow[] = new Array(kinds.length);
    const expected: ShopExpectation[] = new Array(kinds.length);
    for (let i = 0; i < kinds.length; i++) {
      const platform = this.random.pick(PLATFORMS);
      const shopId = String(1_000_000_000 + ((i * 2654435761 + this.shopOffset) % SHOP_ID_SPACE));
      const kind = kinds[i]!;
      const [shop, expectation] =
        kind === 'unregistered'
          ? this.unregisteredShop(platform, shopId)
          : this.registeredShop(platform, shopId, kind);
      shops[i] = shop;
      expected[i] = expectation;
    }
    let operators = 0;
    for (const region of this.regions) operators += this.registers[region]!.length;
    const extra = Math.round(operators * REGISTER_ONLY);
    for (let i = 0; i < extra; i++) {
      const region = this.random.pick(this.regions);
      const roll = this.random.next();
      const status: EntityStatus =
        roll < 0.8 ? 'active' : roll < 0.9 ? 'deregistered' : roll < 0.95 ? 'revoked' : 'abnormal';
      this.newOperator(region, status);
    }
    return { registers: this.registers, shops, expected };
  }

  /** Exact counts of each kind of shop (rounded), in a random order. */
  private shopKinds(): ShopKind[] {
    const { shops, unregisteredShare, defects } = this.options;
    const unregistered = Math.round(shops * unregisteredShare);
    const registered = shops - unregistered;
    // Rounding never hands out more defects than there are registered sellers' shops.
    const mismatch = Math.min(Math.round(registered * defects.mismatch), registered);
    const deregistered = Math.min(Math.round(registered * defects.deregistered), registered - mismatch);
    const unknown = Math.min(Math.round(registered * defects.unknown), registered - mismatch - deregistered);
    const kinds: ShopKind[] = [];
    const add = (kind: ShopKind, n: number) => {
      for (let i = 0; i < n; i++) kinds.push(kind);
    };
    add('unregistered', unregistered);
    add('mismatch', mismatch);
    add('deregistered', deregistered);
    add('unknown', unknown);
    add('clean', shops - kinds.length);
    return this.random.shuffle(kinds);
  }

  private registeredShop(
    platform: Platform,
    shopId: string,
    kind: Exclude<ShopKind, 'unregistered'>,
  ): [ShopRow, ShopExpectation] {
    const region = this.random.pick(this.regions);
    let operator: Operator;
    if (kind === 'unknown') {
      // A valid code nobody registered: made like any other, but its register line is never written.
      operator = this.makeOperator(region, 'active');
    } else {
      const pool = (kind === 'deregistered' ? this.gone : this.live).get(region)!;
      operator =
        pool.length > 0 && this.random.chance(REUSE_OPERATOR)
          ? this.random.pick(pool)
          : this.newOperator(
              region,
              kind === 'deregistered'
                ? this.random.chance(0.6)
                  ? 'deregistered'
                  : 'revoked'
                : this.random.chance(ABNORMAL_SHARE)
                  ? 'abnormal'
                  : 'active',
            );
    }
    const entity = operator.row;
    const operatorName = kind === 'mismatch' ? this.otherName(operator) : entity.name;
    const shop: ShopRow = {
      platform: platform.name,
      shopId,
      shopName: this.shopName(operator),
      shopUrl: platform.url(shopId),
      operatorName,
      operatorCreditCode: entity.creditCode,
      operatorRegistrationNumber: '',
      operatorResidentId: '',
      exemptionGround: '',
      // The platform reports the registered address as where it operates: landing compares them.
      operatingAddress: entity.registeredAddress,
      operatingDivisionCode: entity.divisionCode,
      contact: this.random.chance(0.7) ? this.mobile() : '',
      reportPeriod: SYNTHETIC_REPORT_PERIOD,
    };
    let outcome: ExpectedOutcome;
    if (kind === 'unknown') outcome = 'not-found';
    else if (entity.status === 'deregistered' || entity.status === 'revoked') outcome = entity.status;
    else outcome = kind === 'mismatch' ? 'mismatch' : 'matched';
    return [
      shop,
      {
        platform: platform.name,
        shopId,
        homeRegion: region,
        defect: kind === 'clean' ? null : kind,
        outcome,
        abnormal: entity.status === 'abnormal' && (outcome === 'matched' || outcome === 'mismatch'),
      },
    ];
  }

  private unregisteredShop(platform: Platform, shopId: string): [ShopRow, ShopExpectation] {
    const region = this.random.pick(this.regions);
    const place = placeOf(this.random.pick(countiesOf(region)));
    const name = this.personName();
    const ground = this.random.pick(EXEMPTION_GROUNDS);
    const goods = this.random.pick(UNREGISTERED_GOODS);
    const shopName = this.random.pick([
      `${name[0]}记${goods}`,
      `${name.slice(1)}的小店`,
      `${place.short}${goods}小铺`,
      `${name[0]}家${goods}`,
    ]);
    const shop: ShopRow = {
      platform: platform.name,
      shopId,
      shopName,
      shopUrl: platform.url(shopId),
      operatorName: name,
      operatorCreditCode: '',
      operatorRegistrationNumber: '',
      operatorResidentId: this.residentId(place.code),
      exemptionGround: ground,
      operatingAddress: this.address(place),
      operatingDivisionCode: place.code,
      contact: this.mobile(),
      reportPeriod: SYNTHETIC_REPORT_PERIOD,
    };
    return [
      shop,
      {
        platform: platform.name,
        shopId,
        homeRegion: regionHolding(place.code, this.regions)!,
        defect: null,
        outcome: 'unregistered',
        abnormal: false,
      },
    ];
  }

  /** A new entity, written to its region's register and offered for more shops. */
  private newOperator(region: string, status: EntityStatus): Operator {
    const operator = this.makeOperator(region, status);
    this.registers[region]!.push(operator.row);
    const pool = status === 'deregistered' || status === 'revoked' ? this.gone : this.live;
    pool.get(region)!.push(operator);
    return operator;
  }

  private makeOperator(region: string, status: EntityStatus): Operator {
    const place = placeOf(this.random.pick(countiesOf(region)));
    const individual = this.random.chance(0.25);
    const trade = this.random.pick(TRADES);
    const established = this.random.between(EARLIEST_DAY, LAST_ESTABLISHED_DAY);
    const taken = this.names.get(region)!;
    let brand = '';
    let name = '';
    for (let attempt = 0; name === '' || taken.has(name); attempt++) {
      brand = this.brand(attempt < 8 ? 2 : 3);
      name = individual
        ? `${place.admin}${brand}${trade.shop}${this.random.pick(INDIVIDUAL_SUFFIXES)}`
        : `${place.short}${brand}${trade.company}有限公司`;
    }
    taken.add(name);
    const changed = status === 'active' ? undefined : this.random.between(established + 180, LAST_STATUS_DAY);
    const updated = this.random.between(Math.max(changed ?? established, UPDATES_FROM_DAY), LAST_STATUS_DAY);
    const row: RegisterRow = {
      creditCode: this.creditCode(
        place.code,
        individual ? '2' : '1',
        individual || established >= MA_CODES_FROM_DAY,
      ),
      name,
      entityType: individual ? INDIVIDUAL_BUSINESS : this.random.pick(ENTERPRISE_TYPES),
      legalRepresentative: this.personName(),
      registeredAddress: this.address(place),
      divisionCode: place.code,
      status,
      establishedOn: isoDay(established),
      statusChangedOn: changed === undefined ? '' : isoDay(changed),
      businessScope: `一般项目：${trade.scope}。${GENERAL_SCOPE}`,
      updatedAt: `${isoDay(updated)}T${pad2(this.random.between(8, 19))}:${pad2(this.random.int(60))}:${pad2(this.random.int(60))}+08:00`,
    };
    return { row, place, trade, brand, individual };
  }

  /**
   * A valid credit code, distinct from every other generated: market regulation (9), enterprise (1)
   * or individual business (2), the county's code, then an organization code, `MA…` for entities
   * registered since the credit code reform (October 2015), all digits before.
   */
  private creditCode(division: string, kind: '1' | '2', reform: boolean): string {
    let org8: string;
    if (reform) {
      let value = (this.maCodes++ * 387420489 + this.maOffset) % MA_SPACE;
      let body = '';
      for (let i = 0; i < 6; i++, value = Math.floor(value / 31)) body = ORG_ALPHABET[value % 31]! + body;
      org8 = `MA${body}`;
    } else {
      const value = (this.numericCodes++ * 48271 + this.numericOffset) % NUMERIC_SPACE;
      org8 = String(value).padStart(8, '0');
    }
    const first17 = `9${kind}${division}${org8}${organizationCodeCheckCharacter(org8)}`;
    return `${first17}${creditCodeCheckCharacter(first17)}`;
  }

  /** The operator under another name, far enough from the registered one that landing sees it differ. */
  private otherName(operator: Operator): string {
    for (;;) {
      const other = this.random.chance(0.4)
        ? operator.row.legalRepresentative // the person behind it, as some platforms record
        : `${operator.place.short}${this.brand(2)}${this.random.pick(TRADES).company}有限公司`;
      if (textSimilarity(normalizeEntityText(other), normalizeEntityText(operator.row.name)) < SAME_TEXT) {
        return other;
      }
    }
  }

  private shopName(operator: Operator): string {
    const { brand, trade } = operator;
    if (operator.individual) {
      return this.random.pick([
        `${brand}${trade.shop}小店`,
        `${brand}${trade.shop}铺`,
        `${brand}家${trade.shop}`,
      ]);
    }
    return this.random.pick([
      `${brand}官方旗舰店`,
      `${brand}${trade.shop}旗舰店`,
      `${brand}${trade.shop}专营店`,
      `${brand}${trade.shop}专卖店`,
    ]);
  }

  private brand(length: number): string {
    let brand = '';
    while (brand.length < length) {
      const syllable = this.random.pick(BRAND);
      if (!brand.includes(syllable)) brand += syllable;
    }
    return brand;
  }

  private personName(): string {
    const surname = this.random.pick(SURNAMES);
    const given = this.random.pick(GIVEN);
    return this.random.chance(0.6) ? `${surname}${given}${this.random.pick(GIVEN)}` : `${surname}${given}`;
  }

  /** A street address in the county; a third carry the unit after an ASCII comma, as exports often do. */
  private address(place: Place): string {
    const street = `${place.address}${this.random.pick(ROADS)}${this.random.between(1, 899)}号`;
    const unit = `${this.random.between(1, 12)}幢${this.random.between(1, 18)}0${this.random.between(1, 9)}室`;
    const form = this.random.int(3);
    return form === 0 ? street : form === 1 ? `${street}${unit}` : `${street}, ${unit}`;
  }

  /** A valid resident ID first registered in the county, of someone born 1960–2003. */
  private residentId(division: string): string {
    const born = isoDay(this.random.between(BORN_FROM_DAY, BORN_TO_DAY)).replaceAll('-', '');
    const first17 = `${division}${born}${String(this.random.int(1000)).padStart(3, '0')}`;
    return `${first17}${residentIdCheckCharacter(first17)}`;
  }

  private mobile(): string {
    return `1${this.random.pick(['3', '5', '7', '8', '9'])}${String(this.random.int(1_000_000_000)).padStart(9, '0')}`;
  }
}

// Days since 1970-01-01 (UTC), for date arithmetic without time zones.
const DAY_MS = 86_400_000;
const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
const isoDays = new Map<number, string>();
const isoDay = (day: number) => {
  let iso = isoDays.get(day);
  if (iso === undefined) isoDays.set(day, (iso = new Date(day * DAY_MS).toISOString().slice(0, 10)));
  return iso;
};
const EARLIEST_DAY = dayOf('2003-01-01');
const LAST_ESTABLISHED_DAY = dayOf('2025-06-30');
const LAST_STATUS_DAY = dayOf('2025-12-31');
const UPDATES_FROM_DAY = dayOf('2024-01-01');
const MA_CODES_FROM_DAY = dayOf('2015-10-01');
const BORN_FROM_DAY = dayOf('1960-01-01');
const BORN_TO_DAY = dayOf('2003-12-31');
