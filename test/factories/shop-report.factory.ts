import { randomBytes, randomInt } from 'node:crypto';
import {
  SHOP_REPORT_COLUMNS,
  registrationNumberCheckDigit,
  residentIdCheckCharacter,
} from '@regulink/domain';
import { csvField, newCreditCode } from './market-entity.factory';

/** A line of a platform's shop report, as the platform exports it (empty string = absent). */
export interface ShopReportLine {
  platform: string;
  shopId: string;
  shopName: string;
  shopUrl: string;
  operatorName: string;
  operatorCreditCode: string;
  operatorRegistrationNumber: string;
  operatorResidentId: string;
  exemptionGround: string;
  operatingAddress: string;
  operatingDivisionCode: string;
  contact: string;
  reportPeriod: string;
}

export { SHOP_REPORT_COLUMNS };

const digits = (n: number) => Array.from({ length: n }, () => randomInt(0, 10)).join('');

/** A valid resident ID of someone first registered in `division`, born on `birthDate` (YYYYMMDD). */
export function newResidentId(division = '330106', birthDate = '19880512'): string {
  const first17 = `${division}${birthDate}${digits(3)}`;
  return `${first17}${residentIdCheckCharacter(first17)}`;
}

/** A valid 15-digit registration number of an older individual business registered by `authority`. */
export function newRegistrationNumber(authority = '330106'): string {
  const first14 = `${authority}${digits(8)}`;
  return `${first14}${registrationNumberCheckDigit(first14)}`;
}

/** A fresh shop of a registered seller (an individual business with a credit code); `overrides` replace fields. */
export function newShopLine(overrides: Partial<ShopReportLine> = {}): ShopReportLine {
  const id = randomBytes(6).toString('hex');
  return {
    platform: '示例电商平台',
    shopId: id,
    shopName: `小店${id.slice(0, 4)}`,
    shopUrl: `https://shop${id}.mall.example.com/`,
    operatorName: '杭州西湖区李四网店',
    operatorCreditCode: newCreditCode('330106', '2'),
    operatorRegistrationNumber: '',
    operatorResidentId: '',
    exemptionGround: '',
    operatingAddress: '浙江省杭州市西湖区文一路2号, 2楼',
    operatingDivisionCode: '330106',
    contact: '0571-88888888',
    reportPeriod: '2026-H1',
    ...overrides,
  };
}

/** A fresh shop of an unregistered natural-person seller (resident ID and exemption ground). */
export function newUnregisteredShopLine(overrides: Partial<ShopReportLine> = {}): ShopReportLine {
  return newShopLine({
    operatorName: '王五',
    operatorCreditCode: '',
    operatorResidentId: newResidentId(),
    exemptionGround: '销售自产农副产品',
    ...overrides,
  });
}

export function shopCsvLine(line: ShopReportLine): string {
  return `${SHOP_REPORT_COLUMNS.map((c) => csvField(line[c])).join(',')}\n`;
}

export function shopReportCsv(lines: readonly ShopReportLine[]): string {
  return `${SHOP_REPORT_COLUMNS.join(',')}\n${lines.map(shopCsvLine).join('')}`;
}

/** NDJSON of the lines, leaving out the fields that are absent. */
export function shopReportNdjson(lines: readonly ShopReportLine[]): string {
  return lines
    .map((l) => `${JSON.stringify(Object.fromEntries(Object.entries(l).filter(([, v]) => v !== '')))}\n`)
    .join('');
}
