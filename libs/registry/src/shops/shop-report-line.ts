import {
  isAcceptedCreditCode,
  isAcceptedRegistrationNumber,
  isKnownDivision,
  normalizeShopUrl,
  parseCreditCode,
  parseRegistrationNumber,
  parseResidentId,
  platformKey,
  sellerHome,
  type HomeSource,
} from '@regulink/domain';
import { characterCount } from '@regulink/protocol';
import { contentHash } from '../import/imported-row';
import type { LineProblem } from '../import/import-target';
import { checkLineShape, withHalfWidthCodes } from '../import/line-shape';
import { ShopReportLineDto } from './dto/shop-report-line.dto';

/** A shop report line as it is stored: checked, normalized, with the hash of its content. */
export interface ShopRecord {
  readonly platform: string;
  /** The shop URL normalized: with the platform, what identifies the shop. */
  readonly url: string;
  readonly shopId: string;
  readonly shopName: string;
  /** The URL as the platform wrote it. */
  readonly reportedUrl: string;
  readonly operatorName: string;
  readonly operatorCreditCode: string | null;
  /** The credit code's check characters do not verify, yet it is accepted (early pilot codes). */
  readonly operatorCreditCodeCheckFailed: boolean;
  readonly operatorRegistrationNumber: string | null;
  /** Personal data, kept in clear on this node only. */
  readonly operatorResidentId: string | null;
  readonly exemptionGround: string | null;
  readonly operatingAddress: string;
  readonly operatingDivisionCode: string | null;
  readonly contact: string | null;
  readonly reportPeriod: string;
  /** Where the operator is at home (its region has jurisdiction), and what said so; null when nothing does. */
  readonly homeDivision: string | null;
  readonly homeSource: HomeSource | null;
  readonly contentHash: string;
}

/** The key of a shop: the platform and the normalized URL. */
export function shopKey(platform: string, url: string): string {
  return `${platform}\u0000${url}`;
}

/** What a shop record's content hash covers, in this order. */
type ShopContent = Omit<
  ShopRecord,
  'operatorCreditCodeCheckFailed' | 'homeDivision' | 'homeSource' | 'contentHash'
>;

function hashOf(content: ShopContent): string {
  const c = content;
  return contentHash({
    platform: c.platform,
    url: c.url,
    shopId: c.shopId,
    shopName: c.shopName,
    reportedUrl: c.reportedUrl,
    operatorName: c.operatorName,
    operatorCreditCode: c.operatorCreditCode,
    operatorRegistrationNumber: c.operatorRegistrationNumber,
    operatorResidentId: c.operatorResidentId,
    exemptionGround: c.exemptionGround,
    operatingAddress: c.operatingAddress,
    operatingDivisionCode: c.operatingDivisionCode,
    contact: c.contact,
    reportPeriod: c.reportPeriod,
  });
}

/**
 * A reported shop under the name its platform is held by here: a report may write 淘宝 or Taobao
 * where the shop was first reported by 淘宝网. It is the same shop; its hash is over the name held,
 * so that the same content written with another name is unchanged.
 */
export function underPlatformName(record: ShopRecord, platform: string): ShopRecord {
  if (record.platform === platform) return record;
  const renamed = { ...record, platform };
  return { ...renamed, contentHash: hashOf(renamed) };
}

/** The most characters of a shop URL, normalized (the url column). */
const URL_CHARS = 2000;

/**
 * Checks one line of a shop report: its shape, the shop URL, and the operator. A registered seller
 * has a credit code (one failing its check is accepted with a flag) or a 15-digit registration
 * number, and no resident ID; an unregistered one has neither code, a valid resident ID and an
 * exemption ground. No reason ever repeats a resident ID.
 */
export function checkShopReportLine(
  values: Readonly<Record<string, unknown>>,
): { key: string; record: ShopRecord } | { problems: LineProblem[] } {
  const shape = checkLineShape(ShopReportLineDto, withHalfWidthCodes(values, ['operatingDivisionCode']));
  if ('problems' in shape) return shape;
  const { line } = shape;
  const problems: LineProblem[] = [];

  // A half-year more than a year ahead is a typo (2062-H1): a later period replaces a shop's
  // report, so such a period would keep every real report out for years.
  const [year, half] = line.reportPeriod.split('-H').map(Number) as [number, number];
  if (Date.UTC(year, half === 1 ? 0 : 6, 1) > Date.now() + 366 * 86_400_000) {
    problems.push({
      field: 'reportPeriod',
      reason: `${line.reportPeriod} begins more than a year from now: it would keep every report until then from replacing it`,
    });
  }
  const url = normalizeShopUrl(line.shopUrl);
  if (url.status === 'malformed') {
    problems.push({ field: 'shopUrl', reason: `not a shop URL (${url.reason})` });
  } else if (characterCount(url.url) > URL_CHARS) {
    // A host in other scripts is written in Punycode once normalized, which is longer.
    problems.push({
      field: 'shopUrl',
      reason: `the URL, normalized, is longer than ${URL_CHARS} characters`,
    });
  }
  const creditCode =
    line.operatorCreditCode === undefined ? undefined : parseCreditCode(line.operatorCreditCode);
  const registrationNumber =
    line.operatorRegistrationNumber === undefined
      ? undefined
      : parseRegistrationNumber(line.operatorRegistrationNumber);
  const registered = creditCode !== undefined || registrationNumber !== undefined;
  let residentId: string | null = null;
  if (creditCode !== undefined && !isAcceptedCreditCode(creditCode)) {
    problems.push({ field: 'operatorCreditCode', reason: `not a credit code (${creditCode.reason})` });
  }
  if (registrationNumber !== undefined && !isAcceptedRegistrationNumber(registrationNumber)) {
    problems.push({
      field: 'operatorRegistrationNumber',
      reason:
        registrationNumber.status === 'check-failed'
          ? 'the registration number’s check digit is wrong'
          : `not a registration number (${registrationNumber.reason})`,
    });
  }
  if (registered && line.operatorResidentId !== undefined) {
    problems.push({
      field: 'operatorResidentId',
      reason: 'a seller with a credit code or registration number is reported without a resident ID',
    });
  } else if (registered && line.exemptionGround !== undefined) {
    problems.push({
      field: 'exemptionGround',
      reason:
        'only an unregistered seller (without a credit code or registration number) has an exemption ground',
    });
  } else if (!registered && line.operatorResidentId === undefined) {
    problems.push({
      field: 'operatorCreditCode',
      reason:
        'a seller needs a credit code or registration number or, when unregistered, a resident ID and an exemption ground',
    });
  } else if (!registered) {
    const parsed = parseResidentId(line.operatorResidentId!);
    if (parsed.status === 'valid') residentId = parsed.id;
    else problems.push({ field: 'operatorResidentId', reason: `not a resident ID (${parsed.reason})` });
    if (line.exemptionGround === undefined) {
      problems.push({ field: 'exemptionGround', reason: 'an unregistered seller needs an exemption ground' });
    }
  }
  if (line.operatingDivisionCode !== undefined && !isKnownDivision(line.operatingDivisionCode)) {
    problems.push({
      field: 'operatingDivisionCode',
      reason: `unknown division code ${line.operatingDivisionCode}`,
    });
  }
  if (problems.length > 0 || url.status === 'malformed') return { problems };

  const acceptedCode = creditCode !== undefined && isAcceptedCreditCode(creditCode) ? creditCode : undefined;
  const content = {
    platform: line.platform,
    url: url.url,
    shopId: line.shopId,
    shopName: line.shopName,
    reportedUrl: line.shopUrl,
    operatorName: line.operatorName,
    operatorCreditCode: acceptedCode?.code ?? null,
    operatorRegistrationNumber:
      registrationNumber !== undefined && isAcceptedRegistrationNumber(registrationNumber)
        ? registrationNumber.code
        : null,
    operatorResidentId: residentId,
    exemptionGround: line.exemptionGround ?? null,
    operatingAddress: line.operatingAddress,
    operatingDivisionCode: line.operatingDivisionCode ?? null,
    contact: line.contact ?? null,
    reportPeriod: line.reportPeriod,
  };
  return {
    // One platform however a line writes its name: two lines of one shop are a duplicate.
    key: shopKey(platformKey(content.platform), content.url),
    record: {
      ...content,
      operatorCreditCodeCheckFailed: acceptedCode?.status === 'check-failed',
      ...homeOf(content),
      contentHash: hashOf(content),
    },
  };
}

function homeOf(content: {
  operatorCreditCode: string | null;
  operatorRegistrationNumber: string | null;
  operatingDivisionCode: string | null;
}): { homeDivision: string | null; homeSource: HomeSource | null } {
  const home = sellerHome({
    creditCode: content.operatorCreditCode,
    registrationNumber: content.operatorRegistrationNumber,
    operatingDivisionCode: content.operatingDivisionCode,
  });
  return { homeDivision: home?.division ?? null, homeSource: home?.source ?? null };
}
