/** Why an officer looks a shop or an entity up; every lookup names one (purpose limitation). */
export const RESOLVE_PURPOSES = [
  'case-investigation',
  'complaint-handling',
  'inspection',
  'assistance-request',
  'risk-monitoring',
] as const;
export type ResolvePurpose = (typeof RESOLVE_PURPOSES)[number];
