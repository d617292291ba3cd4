/**
 * Position 1 of a credit code: the registering authority (登记管理部门). Only the authorities this
 * gateway meets are named; others exist and are reported as `undefined` by the helpers below.
 */
export enum RegistrationAuthority {
  /** Public-sector staffing offices (机构编制): government bodies, public institutions. */
  Staffing = '1',
  /** Civil affairs (民政): social organizations, foundations. */
  CivilAffairs = '5',
  /** Market regulation (formerly industry and commerce, 工商): market entities. */
  MarketRegulation = '9',
  /** Agriculture and rural affairs (农业): rural collective economic organizations. */
  Agriculture = 'N',
  /** Other registering authorities (其他). */
  Other = 'Y',
}

/**
 * Position 2 when position 1 is `9`: the kind of market entity (市场主体类型).
 */
export enum MarketEntityType {
  Enterprise = '1',
  /** Individual business (个体工商户). */
  IndividualBusiness = '2',
  /** Farmers' specialized cooperative (农民专业合作社). */
  FarmersCooperative = '3',
}

export const REGISTRATION_AUTHORITY_NAMES: Readonly<Record<RegistrationAuthority, string>> = {
  [RegistrationAuthority.Staffing]: 'public-sector staffing',
  [RegistrationAuthority.CivilAffairs]: 'civil affairs',
  [RegistrationAuthority.MarketRegulation]: 'market regulation',
  [RegistrationAuthority.Agriculture]: 'agriculture and rural affairs',
  [RegistrationAuthority.Other]: 'other',
};

export const MARKET_ENTITY_TYPE_NAMES: Readonly<Record<MarketEntityType, string>> = {
  [MarketEntityType.Enterprise]: 'enterprise',
  [MarketEntityType.IndividualBusiness]: 'individual business',
  [MarketEntityType.FarmersCooperative]: "farmers' cooperative",
};

const AUTHORITIES: ReadonlySet<string> = new Set(Object.values(RegistrationAuthority));
const MARKET_ENTITY_TYPES: ReadonlySet<string> = new Set(Object.values(MarketEntityType));

/** The named authority for a position-1 character, or `undefined` when it is not one we name. */
export function registrationAuthorityOf(authority: string): RegistrationAuthority | undefined {
  return AUTHORITIES.has(authority) ? (authority as RegistrationAuthority) : undefined;
}

/**
 * The market entity type for positions 1 and 2, or `undefined` unless position 1 is `9` and
 * position 2 is one of the three market entity types.
 */
export function marketEntityTypeOf(authority: string, entityType: string): MarketEntityType | undefined {
  if (authority !== RegistrationAuthority.MarketRegulation) {
    return undefined;
  }
  return MARKET_ENTITY_TYPES.has(entityType) ? (entityType as MarketEntityType) : undefined;
}
