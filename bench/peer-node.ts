/**
 * Node B of `npm run bench`, in a process of its own as it would be in a real federation. Started
 * by bench/run.ts through `fork` (with bench/register.js), on the PostgreSQL server named in
 * TEST_DATABASE_URL, with the node settings given as JSON in its second argument. Tells the parent
 * its URL once it is up; closes and exits when told to stop or when the parent goes away. With
 * BENCH_PROFILE, records a CPU profile of a phase when the parent asks ({ profile: 'start' }, then
 * { profile: 'stop', file }). Answers { heap: n } with the heap still in use after a full garbage
 * collection ({ heap: n, used }), to tell memory the process keeps from garbage not collected yet.
 * Times its statements between { statements: 'start' } and { statements: 'stop', id }, answered
 * with { statements: id, stats } (see profileStatements in bench/resolve.ts).
 */
import 'reflect-metadata';
import { rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { bootNodes } from '../test/support/federation';
import { liveHeap } from './live-heap';
import { databaseName, profileStatements, type StatementStat } from './resolve';

export interface PeerReady {
  readonly url: string;
  readonly databaseUrl: string;
}

async function main(): Promise<void> {
  const region = process.argv[2];
  if (!region || !process.send)
    throw new Error('usage: fork bench/peer-node.ts <region> [settings JSON] with an IPC channel');
  // Node settings from the parent (e.g. REGULINK_RESOLVE_DAILY_QUOTA), as both nodes get them.
  const env = JSON.parse(process.argv[3] ?? '{}') as Record<string, string>;
  const [node] = await bootNodes([region], 'tcp', undefined, env);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= node!
      .close()
      .then(() => rm(node!.config.node.dataDir, { recursive: true, force: true }))
      .finally(() => process.exit(0)));
  const profiler = new Session();
  let stopStatements: (() => StatementStat[]) | undefined;
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      profiler.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );
  process.on('message', (message: unknown) => {
    if (message === 'stop') return void stop();
    const { profile, file, heap, statements, id } = (message ?? {}) as {
      profile?: string;
      file?: string;
      heap?: number;
      statements?: string;
      id?: number;
    };
    if (heap !== undefined) return void liveHeap().then((used) => process.send?.({ heap, used }));
    if (statements === 'start') {
      stopStatements = profileStatements(databaseName(node!.config.database.url!));
      return;
    }
    if (statements === 'stop') {
      const stats = stopStatements?.() ?? [];
      stopStatements = undefined;
      return void process.send?.({ statements: id, stats });
    }
    if (profile === 'start') {
      profiler.connect();
      void post('Profiler.enable').then(() => post('Profiler.start'));
    } else if (profile === 'stop' && file) {
      void post('Profiler.stop')
        .then((result) => writeFile(file, JSON.stringify((result as { profile: unknown }).profile)))
        .finally(() => profiler.disconnect());
    }
  });
  process.on('disconnect', () => void stop());
  // Ctrl-C reaches this process too: close as on 'stop', and leave no data folder behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
  const ready: PeerReady = { url: node!.url, databaseUrl: node!.config.database.url ?? '' };
  process.send(ready);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench peer node failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
