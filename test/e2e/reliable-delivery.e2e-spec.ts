import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Clock, EnvelopeReceiver, OutboxService } from '@regulink/federation';
import { freePort } from '@regulink/persistence';
import { importPublicKey, receiptKid, verifyReceipt, type PublicSigningJwk } from '@regulink/protocol';
import { createTestDatabase } from '../support/database';
import { bootNodes, connectAll, eventually } from '../support/federation';
import {
  killStartedNodeProcesses,
  requireBuiltNode,
  startNodeProcess,
  stopNodeProcess,
  waitReady,
  withTranscript,
  type NodeProcess,
} from '../support/node-process';
import { bootTestNode, type TestNode } from '../support/test-node';

/**
 * Acceptance points of reliable delivery: nothing queued in the outbox is lost or applied twice,
 * whether the receiver is down for a while or the sender is killed in the middle of delivering.
 */
const COUNT = 1000;
/** The only type these tests queue; nodes also exchange signed tree heads on their own, which are left out. */
const PING = 'federation.ping';
const SENDER = '330000';
const RECEIVER = '360000';
const TEST_TIMEOUT = 180_000;
const DELIVERY_TIMEOUT = 120_000;
/** Short backoff, as in bootNodes, so a peer that comes back is retried within a second. */
const FAST_RETRY = { REGULINK_RETRY_BASE_MS: '100', REGULINK_RETRY_MAX_MS: '1000' } as const;
/**
 * Pings queued at once, kept below the node's database pool (10): OutboxService.send holds a
 * transaction while EnvelopeFactory looks the peer up, on a peer-cache miss through another pooled
 * connection, so 10 or more concurrent sends can wait on each other forever and freeze the node
 * (reported separately; this test is not about it).
 */
const QUEUE_CONCURRENCY = 4;

// What a test started, stopped in afterEach even when the test failed.
const nodes: TestNode[] = [];
const databases: Client[] = [];
const folders: string[] = [];

afterEach(async () => {
  await killStartedNodeProcesses();
  await Promise.all(nodes.splice(0).map((node) => node.close()));
  await Promise.all(databases.splice(0).map((db) => db.end().catch(() => undefined)));
}, 60_000);

afterAll(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

/** A connection to a node's database, for looking at its outbox and inbox as they are. */
async function openDatabase(url: string | undefined): Promise<Client> {
  if (!url) throw new Error('the node has no external database URL');
  const db = new Client({ connectionString: url });
  await db.connect();
  databases.push(db);
  return db;
}

interface OutboxState {
  total: number;
  pending: number;
  delivered: number;
  withReceipt: number;
  /** Pending messages a worker holds right now (claimed, in flight). */
  leased: number;
  minAttempts: number;
}

async function outboxState(db: Client, to: string): Promise<OutboxState> {
  const { rows } = await db.query<OutboxState>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE status = 'pending')::int AS pending,
            count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
            count(*) FILTER (WHERE receipt IS NOT NULL)::int AS "withReceipt",
            count(*) FILTER (WHERE status = 'pending' AND lease_until > now())::int AS leased,
            coalesce(min(attempts), 0)::int AS "minAttempts"
       FROM federation_outbox WHERE to_region = $1 AND type = $2`,
    [to, PING],
  );
  return rows[0]!;
}

interface OutboxRow {
  id: string;
  status: string;
  digest: string;
  receipt: string | null;
  receiptCode: string | null;
}

async function outboxRows(db: Client, to: string): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `SELECT id, status, digest, receipt, receipt_code AS "receiptCode"
       FROM federation_outbox WHERE to_region = $1 AND type = $2 ORDER BY id`,
    [to, PING],
  );
  return rows;
}

/** Every envelope id the receiver recorded from `from`, one entry per inbox row (duplicates would show). */
async function inboxIds(db: Client, from: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM federation_inbox WHERE from_region = $1 AND type = $2 ORDER BY id',
    [from, PING],
  );
  return rows.map((r) => r.id);
}

/** Waits until every ping is delivered; fails at once when one is settled otherwise (a final outcome). */
async function waitAllDelivered(db: Client, to: string): Promise<OutboxState> {
  return eventually(
    async () => {
      const state = await outboxState(db, to);
      if (state.total - state.pending - state.delivered > 0) {
        const { rows } = await db.query(
          `SELECT status, receipt_code AS code, count(*)::int AS messages FROM federation_outbox
            WHERE to_region = $1 AND type = $2 AND status NOT IN ('pending', 'delivered')
            GROUP BY status, receipt_code`,
          [to, PING],
        );
        throw new Error(`messages were settled without being delivered: ${JSON.stringify(rows)}`);
      }
      return state.delivered === COUNT ? state : undefined;
    },
    DELIVERY_TIMEOUT,
    `all ${COUNT} messages to be delivered`,
  );
}

/** Each stored receipt is signed by the receiver and acknowledges exactly that envelope. */
async function verifiedReceipts(receiver: TestNode, rows: OutboxRow[]) {
  const { keys } = (await (await receiver.request('GET', '/.well-known/jwks.json')).json()) as {
    keys: PublicSigningJwk[];
  };
  const verified = [];
  for (const row of rows) {
    if (!row.receipt) throw new Error(`message ${row.id} has no receipt`);
    const jwk = keys.find((k) => k.kid === receiptKid(row.receipt!));
    if (!jwk) throw new Error(`the receipt of ${row.id} names a key the receiver does not publish`);
    const claims = await verifyReceipt(row.receipt, await importPublicKey(jwk));
    expect({ of: claims.of, digest: claims.digest, by: claims.by }).toEqual({
      of: row.id,
      digest: row.digest,
      by: receiver.config.node.region,
    });
    verified.push({ id: row.id, status: claims.status, code: claims.code, storedCode: row.receiptCode });
  }
  return verified;
}

function sorted(values: string[]): string[] {
  return [...values].sort();
}

/** Runs `task` for 0..count-1 with at most `concurrency` at a time; results in index order. */
async function inParallel<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) results[i] = await task(i);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** Where a node keeps its state: the same store booted again is the same node. */
interface NodeStore {
  databaseUrl: string;
  dataDir: string;
  federationPort: number;
}

function storeOf(node: TestNode): NodeStore {
  return {
    databaseUrl: node.config.database.url!,
    dataDir: node.config.node.dataDir,
    federationPort: node.config.federation.port,
  };
}

/**
 * Boots the receiver again on its database and data folder (same keys) and on its federation port,
 * so the endpoint its peers pinned from its card still reaches it.
 */
async function rebootReceiver(store: NodeStore): Promise<TestNode> {
  const node = await bootTestNode({
    REGULINK_REGION: RECEIVER,
    REGULINK_NODE_NAME: `Node ${RECEIVER}`,
    REGULINK_FEDERATION_TRANSPORT: 'tcp',
    ...FAST_RETRY,
    DATABASE_URL: store.databaseUrl,
    REGULINK_DATA_DIR: store.dataDir,
    REGULINK_FEDERATION_PORT: String(store.federationPort),
    // Its own HTTP port too: the federation port given, none would be chosen (the default is shared).
    REGULINK_HTTP_PORT: String(await freePort()),
  });
  nodes.push(node);
  return node;
}

describe('reliable delivery', () => {
  it(
    'delivers all of 1,000 messages queued while the peer was down, each exactly once, after it comes back',
    async () => {
      const [sender, receiver] = await bootNodes([SENDER, RECEIVER], 'tcp');
      nodes.push(sender!, receiver!);
      await connectAll([sender!, receiver!]);
      const receiverStore = storeOf(receiver!);
      await receiver!.close();

      const senderDb = await openDatabase(sender!.config.database.url);
      const receiverDb = await openDatabase(receiverStore.databaseUrl);
      const outbox = sender!.app.get(OutboxService);
      const ids = await inParallel(COUNT, QUEUE_CONCURRENCY, (i) =>
        outbox.send({
          to: RECEIVER,
          type: PING,
          body: { nonce: `down-${i}`, sentAt: new Date().toISOString() },
        }),
      );
      expect(new Set(ids).size).toBe(COUNT);

      // While the peer is down every message is tried, fails, and is rescheduled: none is given up.
      const whileDown = await eventually(
        async () => {
          const state = await outboxState(senderDb, RECEIVER);
          return state.minAttempts >= 2 ? state : undefined;
        },
        60_000,
        'every message to be attempted at least twice while the peer is down',
      );
      expect(whileDown).toMatchObject({ total: COUNT, pending: COUNT, delivered: 0, withReceipt: 0 });
      const { rows: errors } = await senderDb.query<{ error: string | null }>(
        'SELECT DISTINCT last_error AS error FROM federation_outbox WHERE to_region = $1 AND type = $2',
        [RECEIVER, PING],
      );
      expect(errors.map((e) => e.error)).toEqual([
        expect.stringContaining(`cannot reach tcp://127.0.0.1:${receiverStore.federationPort}`),
      ]);
      expect(await inboxIds(receiverDb, SENDER)).toEqual([]);

      const back = await rebootReceiver(receiverStore);
      const delivered = await waitAllDelivered(senderDb, RECEIVER);

      expect(delivered).toMatchObject({ total: COUNT, pending: 0, delivered: COUNT, withReceipt: COUNT });
      const received = await inboxIds(receiverDb, SENDER);
      expect(received).toHaveLength(COUNT);
      expect(received).toEqual(sorted(ids));
      const rows = await outboxRows(senderDb, RECEIVER);
      expect(rows.map((r) => r.id)).toEqual(sorted(ids));
      // Nothing reached the receiver before it came back, so nothing can be a redelivery.
      const receipts = await verifiedReceipts(back, rows);
      expect(receipts.filter((r) => r.status !== 'accepted' || r.storedCode !== null)).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it("delivers a new message at once when the nodes' clocks run ahead of the database server's", async () => {
    const [sender, receiver] = await bootNodes([SENDER, RECEIVER], 'tcp');
    nodes.push(sender!, receiver!);
    await connectAll([sender!, receiver!]);
    // The database server's clock 10 minutes behind the nodes' (PostgreSQL on another host): both
    // nodes run ahead alike, so that the receiver does not take the envelopes for future ones.
    const ahead = 10 * 60_000;
    for (const node of [sender!, receiver!]) {
      const clock = node.app.get(Clock);
      const real = clock.now.bind(clock);
      clock.now = () => new Date(real().getTime() + ahead);
    }
    const senderDb = await openDatabase(sender!.config.database.url);
    const id = await sender!.app.get(OutboxService).send({
      to: RECEIVER,
      type: PING,
      body: { nonce: 'clock-ahead', sentAt: new Date().toISOString() },
    });
    const settled = await eventually(
      async () => {
        const { rows } = await senderDb.query<{ status: string; settledBeforeCreated: boolean }>(
          `SELECT status, settled_at < created_at AS "settledBeforeCreated" FROM federation_outbox WHERE id = $1`,
          [id],
        );
        return rows[0]?.status === 'pending' ? undefined : rows[0];
      },
      10_000,
      'the message to be delivered while the clocks run ahead',
    );
    // Settled by the same clock that queued it: not before it was created.
    expect(settled).toEqual({ status: 'delivered', settledBeforeCreated: false });
  });

  it('waits for a peer that cannot take an envelope now, saying so, and delivers once it can', async () => {
    const [sender, receiver] = await bootNodes([SENDER, RECEIVER], 'tcp', undefined, FAST_RETRY);
    nodes.push(sender!, receiver!);
    await connectAll([sender!, receiver!]);
    // The receiver's database away: it answers that it applied nothing, as it does then.
    const envelopes = receiver!.app.get(EnvelopeReceiver) as unknown as Record<string, unknown>;
    envelopes.receive = () => Promise.resolve({ error: 'RECEIVER_UNAVAILABLE' });
    const senderDb = await openDatabase(sender!.config.database.url);
    const id = await sender!.app.get(OutboxService).send({
      to: RECEIVER,
      type: PING,
      body: { nonce: 'receiver-away', sentAt: new Date().toISOString() },
    });
    const outbox = async () =>
      (
        await senderDb.query<{ status: string; last_error: string | null }>(
          'SELECT status, last_error FROM federation_outbox WHERE id = $1',
          [id],
        )
      ).rows[0];
    expect(await eventually(async () => ((await outbox())?.last_error ? outbox() : undefined))).toEqual({
      status: 'pending',
      last_error: `${RECEIVER} could not take the envelope now (RECEIVER_UNAVAILABLE)`,
    });
    Reflect.deleteProperty(envelopes, 'receive');
    await eventually(async () => ((await outbox())?.status === 'delivered' ? true : undefined), 15_000);
  });

  describe('with the sender as a real process', () => {
    const adminPassword = 'process-admin-password-1';

    /** A fresh database and data folder for the sender process, and the ports it keeps across restarts. */
    async function newSenderStore(): Promise<NodeStore & { httpPort: number }> {
      const dataDir = await mkdtemp(join(process.env.REGULINK_TEST_TMP ?? tmpdir(), 'sender-'));
      folders.push(dataDir);
      return {
        databaseUrl: await createTestDatabase('sender'),
        dataDir,
        httpPort: await freePort(),
        federationPort: await freePort(),
      };
    }

    async function startSender(store: NodeStore & { httpPort: number }): Promise<NodeProcess> {
      const child = startNodeProcess({
        REGULINK_REGION: SENDER,
        REGULINK_NODE_NAME: `Node ${SENDER} (process)`,
        REGULINK_DATA_DIR: store.dataDir,
        REGULINK_HTTP_PORT: String(store.httpPort),
        REGULINK_FEDERATION_TRANSPORT: 'tcp',
        REGULINK_FEDERATION_PORT: String(store.federationPort),
        REGULINK_KEY_PASSPHRASE: 'process key passphrase',
        REGULINK_ADMIN_PASSWORD: adminPassword,
        REGULINK_LOG_LEVEL: 'warn',
        DATABASE_URL: store.databaseUrl,
        ...FAST_RETRY,
      });
      await waitReady(child);
      return child;
    }

    async function call(
      child: NodeProcess,
      method: string,
      path: string,
      options: { token?: string; body?: unknown } = {},
    ): Promise<Response> {
      return fetch(`${child.url}${path}`, {
        method,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      });
    }

    async function signIn(child: NodeProcess): Promise<string> {
      const response = await call(child, 'POST', '/auth/token', {
        body: { username: 'admin', password: adminPassword },
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { accessToken: string }).accessToken;
    }

    /** Each side imports the other's signed card and allows it, through the admin APIs. */
    async function exchangeCards(child: NodeProcess, childToken: string, node: TestNode): Promise<void> {
      const childCard = (await (
        await call(child, 'GET', '/.well-known/regulink/node-card')
      ).json()) as object;
      const nodeCard = (await (
        await node.request('GET', '/.well-known/regulink/node-card')
      ).json()) as object;
      const intoNode = await node.request('POST', '/federation/peers', {
        token: await node.adminToken(),
        body: { ...childCard, allow: true },
      });
      const intoChild = await call(child, 'POST', '/federation/peers', {
        token: childToken,
        body: { ...nodeCard, allow: true },
      });
      expect([intoNode.status, intoChild.status]).toEqual([201, 201]);
    }

    async function queuePings(child: NodeProcess, token: string): Promise<string[]> {
      return inParallel(COUNT, QUEUE_CONCURRENCY, async () => {
        const response = await call(child, 'POST', '/federation/ping', { token, body: { to: RECEIVER } });
        const body = await response.text();
        if (response.status !== 202) throw new Error(`ping refused: ${response.status} ${body}`);
        return (JSON.parse(body) as { id: string }).id;
      });
    }

    /** Polls the sender's outbox closely and SIGKILLs the process once `threshold` messages are delivered. */
    async function killOnceDelivered(child: NodeProcess, db: Client, threshold: number): Promise<void> {
      const deadline = Date.now() + DELIVERY_TIMEOUT;
      while ((await outboxState(db, RECEIVER)).delivered < threshold) {
        if (Date.now() > deadline) throw new Error(`fewer than ${threshold} messages delivered in time`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const { signal } = await stopNodeProcess(child, 'SIGKILL');
      expect(signal).toBe('SIGKILL');
    }

    /** Waits until the receiver's inbox stops growing (requests in flight at the kill finish on its side). */
    async function settledInbox(db: Client): Promise<string[]> {
      let last = await inboxIds(db, SENDER);
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        const now = await inboxIds(db, SENDER);
        if (now.length === last.length) return now;
        last = now;
      }
    }

    beforeAll(() => requireBuiltNode());

    it(
      'loses and duplicates nothing when the sender is killed mid-delivery and restarted',
      async () => {
        const [receiver] = await bootNodes([RECEIVER], 'tcp');
        nodes.push(receiver!);
        const receiverStore = storeOf(receiver!);
        const store = await newSenderStore();
        const processes: NodeProcess[] = [];
        try {
          processes.push(await startSender(store));
          const token = await signIn(processes[0]!);
          await exchangeCards(processes[0]!, token, receiver!);

          // Deliveries are held back while all 1,000 are queued (the receiver's listener is down):
          // otherwise the worker could deliver most of them before the last is queued, and there would
          // be no middle of the delivery to kill the sender in.
          await receiver!.close();
          const ids = await queuePings(processes[0]!, token);
          expect(new Set(ids).size).toBe(COUNT);
          const senderDb = await openDatabase(store.databaseUrl);
          expect(await outboxState(senderDb, RECEIVER)).toMatchObject({ total: COUNT, delivered: 0 });
          // The sender is paused while the receiver starts, so that it reaches the receiver only once
          // that is fully up: a node's federation listener opens before its modules are initialised,
          // and what arrives in that window can be refused for good (reported; the first test is
          // where a peer coming back is exercised). This test is about the sender being killed.
          processes[0]!.child.kill('SIGSTOP');
          const back = await rebootReceiver(receiverStore);
          processes[0]!.child.kill('SIGCONT');
          const receiverDb = await openDatabase(receiverStore.databaseUrl);

          await killOnceDelivered(processes[0]!, senderDb, 50);
          const atKill = await outboxState(senderDb, RECEIVER);
          expect(atKill.total).toBe(COUNT);
          expect(atKill.delivered).toBeGreaterThanOrEqual(50);
          expect(atKill.delivered).toBeLessThan(COUNT);
          expect(atKill.delivered + atKill.pending).toBe(COUNT);
          // Killed with messages claimed and in flight, not between two rounds.
          expect(atKill.leased).toBeGreaterThan(0);
          const receivedAtKill = await settledInbox(receiverDb);
          // Everything the sender recorded as delivered was received; some more may have been
          // received without the sender living to record the receipt: those come back as redeliveries.
          expect(receivedAtKill.length).toBeGreaterThanOrEqual(atKill.delivered);
          const unsettledButReceived = receivedAtKill.length - atKill.delivered;

          // Stands for the lease of the killed process running out (its length is a DeliveryWorker
          // constant, not configurable): not a repair, the rows stay as they were otherwise.
          const expired = await senderDb.query(
            `UPDATE federation_outbox SET lease_until = now() - interval '1 millisecond'
              WHERE status = 'pending' AND lease_until > now() AND type = $1`,
            [PING],
          );
          expect(expired.rowCount).toBe(atKill.leased);

          processes.push(await startSender(store));
          const delivered = await waitAllDelivered(senderDb, RECEIVER);

          expect(delivered).toMatchObject({ total: COUNT, pending: 0, delivered: COUNT, withReceipt: COUNT });
          const received = await inboxIds(receiverDb, SENDER);
          expect(received).toHaveLength(COUNT);
          expect(received).toEqual(sorted(ids));
          const rows = await outboxRows(senderDb, RECEIVER);
          expect(rows.map((r) => r.id)).toEqual(sorted(ids));
          expect(rows.filter((r) => r.status !== 'delivered')).toEqual([]);

          // Exactly the messages received but not recorded before the kill were sent again, and the
          // receiver answered each of those as a duplicate without applying it a second time.
          const receipts = await verifiedReceipts(back, rows);
          const redelivered = receipts.filter((r) => r.status === 'duplicate');
          expect(redelivered).toHaveLength(unsettledButReceived);
          expect(redelivered.filter((r) => r.code !== 'REPLAYED' || r.storedCode !== 'REPLAYED')).toEqual([]);
          expect(receipts.filter((r) => r.status !== 'accepted' && r.status !== 'duplicate')).toEqual([]);
          const firstTime = new Set(receivedAtKill);
          expect(redelivered.filter((r) => !firstTime.has(r.id))).toEqual([]);
        } catch (error) {
          throw withTranscript(error, ...processes);
        }
      },
      TEST_TIMEOUT,
    );
  });
});
