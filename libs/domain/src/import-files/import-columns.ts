/**
 * The columns of the two bulk files a node imports, in the order an export is expected to have
 * them: what the imports read, and what a generator or a test writes.
 */

/** An entity register file, as a provincial registration system exports it. */
export const MARKET_ENTITY_COLUMNS = [
  'creditCode',
  'name',
  'entityType',
  'legalRepresentative',
  'registeredAddress',
  'divisionCode',
  'status',
  'establishedOn',
  'statusChangedOn',
  'businessScope',
  'updatedAt',
] as const;

/** Columns a register file may leave out. */
export const OPTIONAL_MARKET_ENTITY_COLUMNS: readonly string[] = ['statusChangedOn', 'businessScope'];

/** A platform's shop report. */
export const SHOP_REPORT_COLUMNS = [
  'platform',
  'shopId',
  'shopName',
  'shopUrl',
  'operatorName',
  'operatorCreditCode',
  'operatorRegistrationNumber',
  'operatorResidentId',
  'exemptionGround',
  'operatingAddress',
  'operatingDivisionCode',
  'contact',
  'reportPeriod',
] as const;

/** Columns a shop report may leave out. */
export const OPTIONAL_SHOP_REPORT_COLUMNS: readonly string[] = [
  'operatorCreditCode',
  'operatorRegistrationNumber',
  'operatorResidentId',
  'exemptionGround',
  'operatingDivisionCode',
  'contact',
];

export type MarketEntityColumn = (typeof MARKET_ENTITY_COLUMNS)[number];
export type ShopReportColumn = (typeof SHOP_REPORT_COLUMNS)[number];
