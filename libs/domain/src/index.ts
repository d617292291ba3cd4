export { chinaCalendarDate } from './calendar/china-date';
export { IsCalendarDay } from './calendar/is-calendar-day';
export {
  CREDIT_CODE_ALPHABET,
  CREDIT_CODE_LENGTH,
  CreditCodeWarning,
  creditCodeCheckCharacter,
  isAcceptedCreditCode,
  parseCreditCode,
} from './credit-code/credit-code';
export type {
  CheckFailedCreditCode,
  CreditCodeCheck,
  CreditCodeParse,
  MalformedCreditCode,
  ValidCreditCode,
} from './credit-code/credit-code';
export { organizationCodeCheckCharacter } from './credit-code/organization-code';
export {
  MARKET_ENTITY_TYPE_NAMES,
  MarketEntityType,
  REGISTRATION_AUTHORITY_NAMES,
  RegistrationAuthority,
  marketEntityTypeOf,
  registrationAuthorityOf,
} from './credit-code/registration-authority';
export {
  cityOf,
  findDivision,
  isDivisionInForce,
  isKnownDivision,
  isRegionCode,
  provinceOf,
} from './divisions/divisions';
export type { Division, DivisionLevel } from './divisions/divisions';
export { MalformedReason } from './normalize/malformed-reason';
export type { MalformedCode } from './normalize/malformed-reason';
export { normalizeCode, toHalfWidth } from './normalize/normalize-code';
export {
  REGISTRATION_NUMBER_LENGTH,
  isAcceptedRegistrationNumber,
  parseRegistrationNumber,
  registrationNumberCheckDigit,
} from './registration-number/registration-number';
export type {
  CheckFailedRegistrationNumber,
  MalformedRegistrationNumber,
  RegistrationNumberParse,
  ValidRegistrationNumber,
} from './registration-number/registration-number';
export {
  RESIDENT_ID_LENGTH,
  ResidentIdInvalidReason,
  maskResidentId,
  parseResidentId,
  residentIdCheckCharacter,
} from './resident-id/resident-id';
export type {
  InvalidResidentId,
  MalformedResidentId,
  ResidentIdOptions,
  ResidentIdParse,
  Sex,
  ValidResidentId,
} from './resident-id/resident-id';
export { ofPlatform, platformKey, samePlatform } from './shop-url/platform-name';
export { SHOP_URL_MAX_LENGTH, normalizeShopId, normalizeShopUrl } from './shop-url/shop-url';
export type { ShopUrlParse } from './shop-url/shop-url';
export {
  FIELD_RULES,
  KEYED_HASH_PATTERN,
  PERSONAL_FIELDS,
  applyFieldPolicy,
  findFieldPolicyViolations,
  isFieldRule,
  isKeyedHash,
  isMaskedPersonalValue,
  isPersonalField,
  maskPersonalValue,
} from './personal-data/personal-data';
export type {
  FieldPolicy,
  FieldPolicyViolation,
  FieldRule,
  PersonalField,
  PersonalFieldMap,
} from './personal-data/personal-data';
export { nestedPrefixes, regionHolding, regionPrefix, sellerHome } from './routing/home-region';
export type { HomeSource, SellerHome, SellerIdentity } from './routing/home-region';
export {
  landOperator,
  LANDING_FIELDS,
  MAX_CANDIDATES,
  normalizeEntityText,
  SAME_TEXT,
  sameAddress,
  textSimilarity,
} from './landing/landing';
export type {
  ClaimedOperator,
  LandingCandidate,
  LandingField,
  LandingOutcome,
  RegisterEntry,
} from './landing/landing';
export { CaseRuleError, CaseRuleErrorCode } from './cases/case-rule.error';
export {
  DUE_SOON_WORKING_DAYS,
  MAX_WORKING_DAYS,
  WORKING_CALENDAR_COVERAGE,
  addWorkingDays,
  deadlineProgress,
  dueDate,
  isCalendarDate,
  isWorkingDay,
  requireCalendarDate,
  workingDaysBetween,
} from './cases/working-days';
export type {
  CalendarDate,
  ClockPause,
  DeadlineProgress,
  DueDate,
  DueDateInput,
  WorkingCalendarCoverage,
  WorkingDateAnswer,
  WorkingDayAnswer,
  WorkingDayCount,
} from './cases/working-days';
export { applyClueAction, clueDeadline, isClueAction, newClue } from './cases/clue-machine';
export type {
  CaseSide,
  ClueAction,
  ClueActionType,
  ClueDeadline,
  ClueEvent,
  ClueFacts,
  ClueOutcome,
  CluePause,
  ClueRestrictions,
  ClueState,
  PauseGround,
} from './cases/clue-machine';
export {
  MAX_EXTRA_ASSIST_WORKING_DAYS,
  applyAssistAction,
  isAssistAction,
  assistDeadline,
  newAssistRequest,
} from './cases/assist-machine';
export type {
  AssistAction,
  AssistActionType,
  AssistDeadline,
  AssistEvent,
  AssistFacts,
  AssistState,
} from './cases/assist-machine';
export {
  MARKET_ENTITY_COLUMNS,
  OPTIONAL_MARKET_ENTITY_COLUMNS,
  OPTIONAL_SHOP_REPORT_COLUMNS,
  SHOP_REPORT_COLUMNS,
} from './import-files/import-columns';
export type { MarketEntityColumn, ShopReportColumn } from './import-files/import-columns';
export { nameGrams } from './resolve/name-grams';
export { RESOLVE_PURPOSES, type ResolvePurpose } from './resolve/resolve-purpose';
