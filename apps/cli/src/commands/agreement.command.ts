import { AGREEMENT_FIELD_RULES, AGREEMENT_PERSONAL_FIELDS, AGREEMENT_SCOPES } from '@regulink/protocol';
import type { NodeApi } from '../api/node-api';
import { connectToNode, NODE_OPTIONS, NODE_OPTIONS_USAGE } from '../api/node-connection';
import type { CliOutput } from './cli-output';
import { defineCommand, defineGroup, UsageError, type Command } from './command';
import { ExitCode } from './exit-code';
import { formatTable } from './table-format';

interface ScopeGrant {
  scope: string;
  from: string;
  to: string;
  dailyQuota?: number | null;
  disclosure?: 'two-step';
}

/** An agreement as the API shows it; the full view (`show`, a step's answer) has the rest. */
interface AgreementView {
  id: string;
  state: string;
  title: string;
  parties: string[];
  proposedBy: string;
  validFrom: string;
  validUntil: string;
  supersedes: string | null;
  suspendedBy: string[];
  signers: { region: string; kid: string }[];
  scopes?: ScopeGrant[];
  fieldPolicy?: Record<string, string>;
  deadlines?: { clueWorkingDays: number; assistWorkingDays: number };
  history?: {
    action: string;
    region: string;
    actor: string;
    reason: string | null;
    noEffect: string | null;
    at: string;
  }[];
}

const REGION = /^\d{6}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `scope:from:to[:quota][:two-step]`, e.g. `shop.sync:330000:360000:50000`. */
function parseScope(text: string): ScopeGrant {
  const [scope, from, to, ...rest] = text.split(':');
  const bad = (why: string) => new UsageError(`--scope ${text}: ${why} (scope:from:to[:quota][:two-step])`);
  if (!scope || !(AGREEMENT_SCOPES as readonly string[]).includes(scope)) {
    throw bad(`the scope must be one of ${AGREEMENT_SCOPES.join(', ')}`);
  }
  if (!from || !REGION.test(from) || !to || !REGION.test(to))
    throw bad('from and to are six-digit region codes');
  if (from === to) throw bad('from and to must differ');
  const grant: ScopeGrant = { scope, from, to };
  for (const part of rest) {
    if (part === 'two-step' && scope === 'entity.resolve' && grant.disclosure === undefined) {
      grant.disclosure = 'two-step';
    } else if (
      /^\d+$/.test(part) &&
      grant.dailyQuota === undefined &&
      Number(part) >= 1 &&
      Number(part) <= 10_000_000
    ) {
      grant.dailyQuota = Number(part);
    } else {
      throw bad(`unexpected "${part}": a daily quota from 1 to 10000000, or two-step for entity.resolve`);
    }
  }
  return grant;
}

/** `field=rule,...`, e.g. `personName=mask,residentId=hash`. */
function parseFieldPolicy(texts: readonly string[]): Record<string, string> {
  const policy: Record<string, string> = {};
  for (const item of texts.flatMap((t) => t.split(',')).filter((s) => s.trim() !== '')) {
    const [field, rule, extra] = item.trim().split('=');
    if (!field || !(AGREEMENT_PERSONAL_FIELDS as readonly string[]).includes(field) || extra !== undefined) {
      throw new UsageError(
        `--field-policy ${item}: the field must be one of ${AGREEMENT_PERSONAL_FIELDS.join(', ')}`,
      );
    }
    if (!rule || !(AGREEMENT_FIELD_RULES as readonly string[]).includes(rule)) {
      throw new UsageError(
        `--field-policy ${item}: the rule must be one of ${AGREEMENT_FIELD_RULES.join(', ')}`,
      );
    }
    if (policy[field] !== undefined) throw new UsageError(`--field-policy names ${field} twice`);
    policy[field] = rule;
  }
  return policy;
}

/** A calendar date written YYYY-MM-DD that exists. */
function parseDate(name: string, text: string): string {
  const date = new Date(`${text}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(text) ||
    Number.isNaN(date.getTime()) ||
    date.toISOString().slice(0, 10) !== text
  ) {
    throw new UsageError(`--${name} must be a date YYYY-MM-DD, got "${text}"`);
  }
  return text;
}

function agreementId(text: string): string {
  if (!UUID.test(text)) throw new UsageError(`not an agreement id: ${text}`);
  return text.toLowerCase();
}

function printAgreement(view: AgreementView, out: CliOutput): void {
  out.log(
    `agreement ${view.id}: ${view.state}${view.suspendedBy.length > 0 ? ` (suspended by ${view.suspendedBy.join(', ')})` : ''}`,
  );
  out.log(`  title      ${view.title}`);
  out.log(`  parties    ${view.parties.join(', ')} (proposed by ${view.proposedBy})`);
  out.log(`  valid      ${view.validFrom} to ${view.validUntil}`);
  if (view.supersedes) out.log(`  supersedes ${view.supersedes}`);
  out.log(`  signed by  ${view.signers.map((s) => `${s.region} (${s.kid})`).join(', ') || 'nobody yet'}`);
  if (view.scopes) {
    out.log('  scopes');
    for (const g of view.scopes) {
      const quota = g.dailyQuota ? `, ${g.dailyQuota}/day` : '';
      out.log(
        `    ${g.scope} ${g.from} → ${g.to}${quota}${g.disclosure ? `, ${g.disclosure} disclosure` : ''}`,
      );
    }
  }
  if (view.fieldPolicy) {
    const policy = Object.entries(view.fieldPolicy).map(([f, r]) => `${f}=${r}`);
    out.log(`  fields     ${policy.join(', ') || 'none (every personal field omitted)'}`);
  }
  if (view.deadlines) {
    out.log(
      `  deadlines  clues ${view.deadlines.clueWorkingDays}, assistance ${view.deadlines.assistWorkingDays} working days`,
    );
  }
  if (view.history && view.history.length > 0) {
    out.log('  trail');
    for (const e of view.history) {
      const why = e.reason ? `: ${e.reason}` : '';
      const effect = e.noEffect ? ` (no effect: ${e.noEffect})` : '';
      out.log(`    ${e.at} ${e.action} by ${e.actor} at ${e.region}${why}${effect}`);
    }
  }
}

const draftCommand = defineCommand({
  usage: `usage: regulink agreement draft --partner <region> --scope <scope:from:to[:quota]>... \\
         --from <YYYY-MM-DD> --until <YYYY-MM-DD> [options]

Drafts a cooperation agreement (POST /agreements); nothing is sent until it is proposed.

  --partner <region>          the other party (an imported peer); repeat for several
  --scope <grant>             scope:from:to[:quota][:two-step], repeatable; scopes are
                              ${AGREEMENT_SCOPES.join(', ')}
  --from, --until <date>      validity, China dates
  --title <text>              default "Cooperation with <partners>"
  --field-policy <f=rule,…>   fields ${AGREEMENT_PERSONAL_FIELDS.join(', ')};
                              rules ${AGREEMENT_FIELD_RULES.join(', ')}; unlisted fields are omitted
  --clue-days <N>             working days for a clue's filing decision (default 15)
  --assist-days <N>           working days for an assistance answer (default 15)
${NODE_OPTIONS_USAGE}`,
  options: {
    ...NODE_OPTIONS,
    partner: { type: 'string', multiple: true },
    scope: { type: 'string', multiple: true },
    from: { type: 'string' },
    until: { type: 'string' },
    title: { type: 'string' },
    'field-policy': { type: 'string', multiple: true },
    'clue-days': { type: 'string' },
    'assist-days': { type: 'string' },
  },
  async action({ args, json, out, env }) {
    const partners = args.strings('partner');
    if (partners.length === 0) throw new UsageError('--partner is required');
    for (const p of partners)
      if (!REGION.test(p)) throw new UsageError(`--partner ${p}: not a six-digit region code`);
    const scopes = args.strings('scope').map(parseScope);
    if (scopes.length === 0) throw new UsageError('--scope is required (at least one)');
    const validFrom = parseDate('from', args.required('from'));
    const validUntil = parseDate('until', args.required('until'));
    if (validUntil < validFrom) throw new UsageError('--until must not be before --from');
    const clueDays = args.int('clue-days', 1, 60);
    const assistDays = args.int('assist-days', 1, 60);
    const body = {
      title: args.string('title') ?? `Cooperation with ${partners.join(', ')}`,
      partners,
      scopes,
      fieldPolicy: parseFieldPolicy(args.strings('field-policy')),
      validFrom,
      validUntil,
      ...(clueDays !== undefined || assistDays !== undefined
        ? { deadlines: { clueWorkingDays: clueDays ?? 15, assistWorkingDays: assistDays ?? 15 } }
        : {}),
    };
    const api = await connectToNode(args, env);
    const view = await api.call<AgreementView>('POST', '/agreements', { json: body });
    if (json) out.log(JSON.stringify(view, null, 2));
    else {
      printAgreement(view, out);
      out.log(`propose it with: regulink agreement propose ${view.id}`);
    }
    return ExitCode.Ok;
  },
});

type Step = 'propose' | 'countersign' | 'decline' | 'suspend' | 'resume' | 'revoke';

const STEP_HELP: Record<Step, string> = {
  propose: 'signs the draft and sends it to the other parties, who hold it as pending',
  countersign: "adds this node's signature; with every party's, the agreement is active",
  decline: 'refuses a pending proposal',
  suspend: 'suspends an active agreement (only the suspending party resumes it)',
  resume: 'resumes an agreement this node suspended',
  revoke: 'ends the agreement at once here, and on each partner when the revocation lands',
};

function stepCommand(step: Step): Command {
  const takesReason = step !== 'propose' && step !== 'countersign';
  return defineCommand({
    usage: `usage: regulink agreement ${step} <id>${takesReason ? ' [--reason <text>]' : ''} [--url …] [--json]

${STEP_HELP[step]} (POST /agreements/<id>/${step}).
${takesReason ? '\n  --reason <text>    why, kept in the trail\n' : ''}${NODE_OPTIONS_USAGE}`,
    options: { ...NODE_OPTIONS, ...(takesReason ? { reason: { type: 'string' as const } } : {}) },
    positionals: { min: 1, max: 1, what: 'the agreement id' },
    async action({ args, json, out, env }) {
      const id = agreementId(args.positionals[0]!);
      const reason = args.string('reason');
      const api = await connectToNode(args, env);
      const view = await api.call<AgreementView>('POST', `/agreements/${id}/${step}`, {
        json: reason === undefined ? {} : { reason },
      });
      if (json) out.log(JSON.stringify(view, null, 2));
      else out.log(`agreement ${view.id} (${view.title}): ${step} done, now ${view.state}`);
      return ExitCode.Ok;
    },
  });
}

const listCommand = defineCommand({
  usage: `usage: regulink agreement list [--url …] [--json]

Lists the node's agreements (GET /agreements).

${NODE_OPTIONS_USAGE}`,
  options: NODE_OPTIONS,
  async action({ args, json, out, env }) {
    const api = await connectToNode(args, env);
    const list = await api.call<AgreementView[]>('GET', '/agreements');
    if (json) out.log(JSON.stringify(list, null, 2));
    else if (list.length === 0) out.log('no agreements');
    else {
      const rows = list.map((a) => [
        a.id,
        a.state,
        a.parties.join(','),
        `${a.validFrom}..${a.validUntil}`,
        a.signers.map((s) => s.region).join(','),
        a.title,
      ]);
      for (const line of formatTable(['ID', 'STATE', 'PARTIES', 'VALID', 'SIGNED BY', 'TITLE'], rows))
        out.log(line);
    }
    return ExitCode.Ok;
  },
});

const showCommand = defineCommand({
  usage: `usage: regulink agreement show <id> [--url …] [--json]

One agreement: terms, state, verified signers and its trail (GET /agreements/<id>).
With --json the signed document is included.

${NODE_OPTIONS_USAGE}`,
  options: NODE_OPTIONS,
  positionals: { min: 1, max: 1, what: 'the agreement id' },
  async action({ args, json, out, env }) {
    const id = agreementId(args.positionals[0]!);
    const api: NodeApi = await connectToNode(args, env);
    const view = await api.call<AgreementView>('GET', `/agreements/${id}`);
    if (json) out.log(JSON.stringify(view, null, 2));
    else printAgreement(view, out);
    return ExitCode.Ok;
  },
});

/** `regulink agreement …`: drafting, signing and managing cooperation agreements. */
export const agreementCommand = defineGroup('agreement', 'Cooperation agreements between regions (admin).', {
  draft: {
    command: draftCommand,
    synopsis: 'draft --partner <region> --scope <s:from:to[:quota]>... --from <date> --until <date>',
  },
  propose: { command: stepCommand('propose'), synopsis: 'propose <id>' },
  countersign: { command: stepCommand('countersign'), synopsis: 'countersign <id>' },
  decline: { command: stepCommand('decline'), synopsis: 'decline <id> [--reason <text>]' },
  suspend: { command: stepCommand('suspend'), synopsis: 'suspend <id> [--reason <text>]' },
  resume: { command: stepCommand('resume'), synopsis: 'resume <id> [--reason <text>]' },
  revoke: { command: stepCommand('revoke'), synopsis: 'revoke <id> [--reason <text>]' },
  list: { command: listCommand, synopsis: 'list' },
  show: { command: showCommand, synopsis: 'show <id>' },
});
