import {
  isAcceptedCreditCode,
  isKnownDivision,
  nameGrams,
  normalizeEntityText,
  parseCreditCode,
} from '@regulink/domain';
import { contentHash } from '../import/imported-row';
import type { LineProblem } from '../import/import-target';
import { checkLineShape } from '../import/line-shape';
import { MarketEntityLineDto } from './dto/market-entity-line.dto';

/** A register line as it is stored: checked, normalized, with the hash of its content. */
export interface MarketEntityRecord {
  readonly creditCode: string;
  /** The name reduced for matching. */
  readonly nameKey: string;
  /** The name's search terms (nameGrams of nameKey). */
  readonly nameGrams: readonly string[];
  /** The check characters do not verify, yet the code is accepted (early pilot codes). */
  readonly creditCodeCheckFailed: boolean;
  readonly name: string;
  readonly entityType: string;
  readonly legalRepresentative: string;
  readonly registeredAddress: string;
  readonly divisionCode: string;
  readonly status: string;
  readonly establishedOn: string;
  readonly statusChangedOn: string | null;
  readonly businessScope: string | null;
  readonly sourceUpdatedAt: Date;
  readonly contentHash: string;
}

/** Checks one line of a register file: its shape, then the credit code and the division code. */
export function checkMarketEntityLine(
  values: Readonly<Record<string, unknown>>,
): { key: string; record: MarketEntityRecord } | { problems: LineProblem[] } {
  const shape = checkLineShape(MarketEntityLineDto, values);
  if ('problems' in shape) return shape;
  const { line } = shape;
  const problems: LineProblem[] = [];

  const code = parseCreditCode(line.creditCode);
  if (!isAcceptedCreditCode(code)) {
    problems.push({ field: 'creditCode', reason: `not a credit code (${code.reason})` });
  }
  if (!isKnownDivision(line.divisionCode)) {
    problems.push({ field: 'divisionCode', reason: `unknown division code ${line.divisionCode}` });
  }
  for (const field of ['establishedOn', 'statusChangedOn'] as const) {
    const day = line[field];
    if (day !== undefined && new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) {
      problems.push({ field, reason: `${field} is not a calendar date` });
    }
  }
  if (problems.length > 0 || !isAcceptedCreditCode(code)) return { problems };

  const content = {
    creditCode: code.code,
    name: line.name,
    entityType: line.entityType,
    legalRepresentative: line.legalRepresentative,
    registeredAddress: line.registeredAddress,
    divisionCode: line.divisionCode,
    status: line.status,
    establishedOn: line.establishedOn,
    statusChangedOn: line.statusChangedOn ?? null,
    businessScope: line.businessScope ?? null,
  };
  const nameKey = normalizeEntityText(line.name);
  return {
    key: code.code,
    record: {
      ...content,
      creditCodeCheckFailed: code.status === 'check-failed',
      nameKey,
      nameGrams: nameGrams(nameKey),
      sourceUpdatedAt: new Date(line.updatedAt),
      contentHash: contentHash(content),
    },
  };
}
