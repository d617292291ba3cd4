import { EnvelopeErrorCode, type AgreementTerms } from '@regulink/protocol';
import type { AgreementState } from './agreement.entity';

export type Verdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: EnvelopeErrorCode; readonly reason: string };

const refuse = (code: EnvelopeErrorCode, reason: string): Verdict => ({ allowed: false, code, reason });

/**
 * Whether an agreement lets a message of `scope` go from one region to another on `today`
 * (YYYY-MM-DD, China time): its state, its dates, the scope and its direction. Quota and field
 * policy are checked by the caller, which has the counter and the body.
 */
export function judgeExchange(
  agreement: { readonly id: string; readonly state: AgreementState; readonly terms: AgreementTerms },
  exchange: { readonly scope: string; readonly from: string; readonly to: string },
  today: string,
): Verdict {
  const { terms, state } = agreement;
  const name = `agreement ${agreement.id}`;
  if (!terms.parties.includes(exchange.from) || !terms.parties.includes(exchange.to)) {
    return refuse(
      EnvelopeErrorCode.NoAgreement,
      `${exchange.from} and ${exchange.to} are not both parties to ${name}`,
    );
  }
  switch (state) {
    case 'revoked':
      return refuse(EnvelopeErrorCode.AgreementRevoked, `${name} has been revoked`);
    case 'suspended':
      return refuse(EnvelopeErrorCode.AgreementSuspended, `${name} is suspended`);
    case 'expired':
      return refuse(EnvelopeErrorCode.AgreementExpired, `${name} ended on ${terms.validUntil}`);
    case 'active':
      break;
    default:
      return refuse(EnvelopeErrorCode.AgreementNotActive, `${name} is ${state}, not in force`);
  }
  if (today > terms.validUntil)
    return refuse(EnvelopeErrorCode.AgreementExpired, `${name} ended on ${terms.validUntil}`);
  if (today < terms.validFrom)
    return refuse(EnvelopeErrorCode.AgreementNotActive, `${name} is in force from ${terms.validFrom}`);
  const grants = terms.scopes.filter((g) => g.scope === exchange.scope);
  if (grants.length === 0)
    return refuse(EnvelopeErrorCode.ScopeNotAllowed, `${name} does not cover ${exchange.scope}`);
  if (!grants.some((g) => g.from === exchange.from && g.to === exchange.to)) {
    return refuse(
      EnvelopeErrorCode.DirectionNotAllowed,
      `${name} covers ${exchange.scope} only ${grants.map((g) => `${g.from} -> ${g.to}`).join(', ')}`,
    );
  }
  return { allowed: true };
}

/** The daily quota of a scope in one direction, or null for none. */
export function dailyQuota(terms: AgreementTerms, scope: string, from: string, to: string): number | null {
  return terms.scopes.find((g) => g.scope === scope && g.from === from && g.to === to)?.dailyQuota ?? null;
}
