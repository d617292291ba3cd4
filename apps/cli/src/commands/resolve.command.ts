import { RESOLVE_PURPOSES } from '@regulink/domain';
import { connectToNode, NODE_OPTIONS, NODE_OPTIONS_USAGE } from '../api/node-connection';
import type { CliOutput } from './cli-output';
import { defineCommand, UsageError } from './command';
import { ExitCode } from './exit-code';

interface Provenance {
  signedBy?: string | null;
  signedAt?: string | null;
  agreement?: string | null;
  batch?: string;
  verified?: boolean;
  reportedHere?: boolean;
  landedHere?: boolean;
}

interface RegionAnswer {
  region: string;
  status: string;
  code: string | null;
  reason: string | null;
  provenance: Provenance | null;
  entities: Record<string, unknown>[];
  shops: (Record<string, unknown> & {
    provenance?: Provenance;
    landing?: {
      outcome: string;
      creditCode: string | null;
      landedBy: string;
      provenance?: Provenance;
    } | null;
  })[];
  hits?: number;
  reference?: string;
}

interface ResolveResult {
  request: string;
  query: Record<string, string>;
  purpose: string;
  caseReference: string;
  answers: RegionAnswer[];
  missing: string[];
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** Where a part of the answer comes from; `none` says what an absent provenance means there. */
function describeProvenance(p: Provenance | null | undefined, none: string): string {
  if (!p) return none;
  if (p.reportedHere) return `reported here (${p.signedBy})`;
  if (p.landedHere) return `landed here (${p.signedBy})`;
  const verdict = p.verified ? 'signature verified' : 'NOT VERIFIED';
  const when = p.signedAt ? ` at ${p.signedAt}` : '';
  const under = p.agreement ? ` under agreement ${p.agreement}` : '';
  return `signed by ${p.signedBy ?? 'unknown'}${when}${under}, ${verdict}`;
}

function printResult(result: ResolveResult, out: CliOutput): void {
  const query = Object.entries(result.query)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  out.log(`lookup ${result.request}: ${query} (${result.purpose}, ${result.caseReference})`);
  for (const answer of result.answers) {
    const why = answer.code ? `: ${answer.code}${answer.reason ? ` ${answer.reason}` : ''}` : '';
    out.log(`region ${answer.region}: ${answer.status}${why}`);
    if (answer.status === 'answered' || answer.status === 'hit' || answer.status === 'no-hit') {
      out.log(`  provenance  ${describeProvenance(answer.provenance, "this node's own records")}`);
    }
    if (answer.hits !== undefined)
      out.log(`  hits        ${answer.hits} (reference ${answer.reference ?? '-'})`);
    for (const e of answer.entities) {
      const status = text(e.status) ? ` (${String(e.status)})` : '';
      out.log(`  entity      ${String(e.creditCode ?? '-')} ${String(e.name ?? '')}${status}`);
      for (const field of ['entityType', 'legalRepresentative', 'registeredAddress', 'divisionCode']) {
        if (text(e[field])) out.log(`              ${field}: ${String(e[field])}`);
      }
    }
    const inAnswer = answer.provenance
      ? `in the signed answer of ${answer.region}`
      : "this node's own records";
    for (const s of answer.shops) {
      out.log(
        `  shop        ${String(s.platform ?? '')} ${String(s.url ?? '')} ${String(s.shopName ?? '')}`.trimEnd(),
      );
      const operator = s.operator as { name?: string; creditCode?: string | null } | null | undefined;
      if (operator)
        out.log(`              operator ${operator.name ?? ''} ${operator.creditCode ?? ''}`.trimEnd());
      out.log(`              provenance ${describeProvenance(s.provenance, inAnswer)}`);
      if (s.landing) {
        out.log(
          `              landing ${s.landing.outcome}${s.landing.creditCode ? ` ${s.landing.creditCode}` : ''} ` +
            `by ${s.landing.landedBy}: ${describeProvenance(s.landing.provenance, inAnswer)}`,
        );
      } else {
        out.log('              landing none yet');
      }
    }
    if (answer.status === 'answered' && answer.entities.length === 0 && answer.shops.length === 0) {
      out.log('  nothing found');
    }
  }
  out.log(`missing regions: ${result.missing.length > 0 ? result.missing.join(', ') : 'none'}`);
}

/** `regulink resolve`: a shop or an entity across regions, with the signed provenance of each answer. */
export const resolveCommand = defineCommand({
  usage: `usage: regulink resolve (--shop-url <url> [--platform <p>] | --platform <p> --shop-id <id>
                        | --credit-code <code> | --name <name>)
                        --purpose <purpose> --case-reference <ref> [--deadline-ms N] [--url …] [--json]

Finds the entity behind a shop, or an entity by credit code or name, across regions (POST /resolve),
as an officer. Every lookup is recorded at both ends with its purpose and case reference.

  --purpose <p>          ${RESOLVE_PURPOSES.join(', ')}
  --case-reference <ref> the case file's reference
  --deadline-ms <N>      how long to wait for other regions (500 to 30000; default 5000)
${NODE_OPTIONS_USAGE}`,
  options: {
    ...NODE_OPTIONS,
    'shop-url': { type: 'string' },
    platform: { type: 'string' },
    'shop-id': { type: 'string' },
    'credit-code': { type: 'string' },
    name: { type: 'string' },
    purpose: { type: 'string' },
    'case-reference': { type: 'string' },
    'deadline-ms': { type: 'string' },
  },
  async action({ args, json, out, env }) {
    const shopUrl = args.string('shop-url');
    const shopId = args.string('shop-id');
    const creditCode = args.string('credit-code');
    const name = args.string('name');
    const platform = args.string('platform');
    const forms = [shopUrl, shopId, creditCode, name].filter((v) => v !== undefined);
    if (forms.length !== 1) {
      throw new UsageError(
        'give exactly one of --shop-url, --shop-id (with --platform), --credit-code, --name',
      );
    }
    if (shopId !== undefined && platform === undefined) throw new UsageError('--shop-id needs --platform');
    if (platform !== undefined && shopUrl === undefined && shopId === undefined) {
      throw new UsageError('--platform goes with --shop-url or --shop-id');
    }
    const purpose = args.required('purpose');
    if (!(RESOLVE_PURPOSES as readonly string[]).includes(purpose)) {
      throw new UsageError(`--purpose must be one of ${RESOLVE_PURPOSES.join(', ')}`);
    }
    const caseReference = args.required('case-reference');
    const deadlineMs = args.int('deadline-ms', 500, 30_000);
    const body = {
      ...(shopUrl !== undefined ? { shopUrl } : {}),
      ...(platform !== undefined ? { platform } : {}),
      ...(shopId !== undefined ? { shopId } : {}),
      ...(creditCode !== undefined ? { creditCode: creditCode.trim().toUpperCase() } : {}),
      ...(name !== undefined ? { name } : {}),
      purpose,
      caseReference,
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    };
    const api = await connectToNode(args, env);
    const result = await api.call<ResolveResult>('POST', '/resolve', { json: body });
    if (json) out.log(JSON.stringify(result, null, 2));
    else printResult(result, out);
    return ExitCode.Ok;
  },
});
