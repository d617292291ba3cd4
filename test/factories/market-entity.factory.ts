import { randomInt } from 'node:crypto';
import {
  MARKET_ENTITY_COLUMNS,
  creditCodeCheckCharacter,
  organizationCodeCheckCharacter,
} from '@regulink/domain';

/** A line of an entity register file, as the provincial registration system exports it. */
export interface RegisterLine {
  creditCode: string;
  name: string;
  entityType: string;
  legalRepresentative: string;
  registeredAddress: string;
  divisionCode: string;
  status: string;
  establishedOn: string;
  statusChangedOn: string;
  businessScope: string;
  updatedAt: string;
}

/** The register file's columns, in order. */
export const REGISTER_COLUMNS: readonly (keyof RegisterLine)[] = MARKET_ENTITY_COLUMNS;

const ORG = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A valid unified social credit code of an enterprise registered by market regulation in `division`. */
export function newCreditCode(division = '330106', kind: '1' | '2' = '1'): string {
  return creditCodeFrom(Array.from({ length: 8 }, () => ORG[randomInt(0, 31)]!).join(''), division, kind);
}

/** The valid credit code with serial number `serial` (distinct serials give distinct codes), for bulk data. */
export function serialCreditCode(serial: number, division = '330106', kind: '1' | '2' = '1'): string {
  let rest = serial;
  let org8 = '';
  for (let i = 0; i < 8; i++, rest = Math.floor(rest / 31)) org8 = ORG[rest % 31]! + org8;
  return creditCodeFrom(org8, division, kind);
}

function creditCodeFrom(org8: string, division: string, kind: '1' | '2'): string {
  const first17 = `9${kind}${division}${org8}${organizationCodeCheckCharacter(org8)}`;
  return `${first17}${creditCodeCheckCharacter(first17)}`;
}

/** A fresh, valid register line; `overrides` replace fields. */
export function newRegisterLine(overrides: Partial<RegisterLine> = {}): RegisterLine {
  const creditCode = overrides.creditCode ?? newCreditCode(overrides.divisionCode ?? '330106');
  return {
    creditCode,
    name: `杭州${creditCode.slice(10, 14)}网络科技有限公司`,
    entityType: '有限责任公司',
    legalRepresentative: '张三',
    registeredAddress: '浙江省杭州市西湖区文三路1号, 3楼',
    divisionCode: '330106',
    status: 'active',
    establishedOn: '2019-05-12',
    statusChangedOn: '',
    businessScope: '技术开发、技术服务',
    updatedAt: '2026-01-02T03:04:05+08:00',
    ...overrides,
  };
}

/** RFC 4180 text of one field: quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(line: RegisterLine): string {
  return `${REGISTER_COLUMNS.map((c) => csvField(line[c])).join(',')}\n`;
}

export function registerCsv(lines: readonly RegisterLine[]): string {
  return `${REGISTER_COLUMNS.join(',')}\n${lines.map(csvLine).join('')}`;
}
