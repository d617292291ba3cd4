import { isCalendarDate } from '@regulink/domain';
import { connectToNode, NODE_OPTIONS, NODE_OPTIONS_USAGE } from '../api/node-connection';
import { defineCommand, defineGroup, UsageError } from './command';
import { ExitCode } from './exit-code';
import { formatTable } from './table-format';

interface CaseItem {
  id: string;
  kind: string;
  role: string;
  peerRegion: string;
  state: string;
  brand: string | null;
  receivedOn: string | null;
  dueOn: string | null;
  deadline: { state: string; due?: string | null; provisional?: boolean } | null;
  createdAt: string;
}

type Due = 'overdue' | 'due-soon';

const dueCommand = defineCommand({
  usage: `usage: regulink clues due [--soon | --overdue] [--box inbox|outbox] [--as-of <date>] [--url …] [--json]

Clues whose filing decision is due within three working days or overdue (GET /cases?kind=clue&due=…).
Without --soon or --overdue, both.

  --soon            due within three working days
  --overdue         past their deadline
  --box <box>       inbox (clues received, the default) or outbox (clues sent)
  --as-of <date>    look from this day (YYYY-MM-DD) instead of today
${NODE_OPTIONS_USAGE}`,
  options: {
    ...NODE_OPTIONS,
    soon: { type: 'boolean' },
    overdue: { type: 'boolean' },
    box: { type: 'string' },
    'as-of': { type: 'string' },
  },
  async action({ args, json, out, env }) {
    const box = args.string('box') ?? 'inbox';
    if (box !== 'inbox' && box !== 'outbox')
      throw new UsageError(`--box must be inbox or outbox, got "${box}"`);
    const asOf = args.string('as-of');
    if (asOf !== undefined && !isCalendarDate(asOf))
      throw new UsageError('--as-of must be a calendar date, YYYY-MM-DD');
    const picked: Due[] = [];
    if (args.flag('overdue')) picked.push('overdue');
    if (args.flag('soon')) picked.push('due-soon');
    const lists: Due[] = picked.length > 0 ? picked : ['overdue', 'due-soon'];
    const api = await connectToNode(args, env);
    const rows: (CaseItem & { due: Due })[] = [];
    for (const due of lists) {
      const query = new URLSearchParams({ box, kind: 'clue', due, ...(asOf ? { asOf } : {}) });
      const items = await api.call<CaseItem[]>('GET', `/cases?${query}`);
      rows.push(...items.map((item) => ({ ...item, due })));
    }
    if (json) {
      out.log(JSON.stringify(rows, null, 2));
      return ExitCode.Ok;
    }
    if (rows.length === 0) {
      out.log(
        `no clues ${lists.map((d) => (d === 'overdue' ? 'overdue' : 'due soon')).join(' or ')} in the ${box}`,
      );
      return ExitCode.Ok;
    }
    const table = rows.map((c) => [
      c.due === 'overdue' ? 'OVERDUE' : 'due soon',
      `${c.deadline?.due ?? c.dueOn ?? '-'}${c.deadline?.provisional ? ' (provisional)' : ''}`,
      c.id,
      c.peerRegion,
      c.state,
      c.receivedOn ?? '-',
      c.brand ?? '',
    ]);
    const peer = box === 'inbox' ? 'FROM' : 'TO';
    for (const line of formatTable(['', 'DUE', 'CASE', peer, 'STATE', 'RECEIVED', 'BRAND'], table))
      out.log(line);
    return ExitCode.Ok;
  },
});

/** `regulink clues due`: the clues whose deadline is near or past. */
export const cluesCommand = defineGroup('clues', 'Clues between regions (officer).', {
  due: { command: dueCommand, synopsis: 'due [--soon|--overdue] [--box inbox|outbox]' },
});
