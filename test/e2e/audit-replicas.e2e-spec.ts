import { randomUUID } from 'node:crypto';
import { AuditLog, type AuditRecord } from '@regulink/audit';
import { bootReplica, bootTestNode, type TestNode } from '../support/test-node';

/**
 * Two replicas of one node share its database and both append to its audit log at once. Each
 * keeps the log's end in memory between batches; the log must still come out dense, complete and
 * verifiable, with every append landing exactly once.
 */
describe('audit log written by two replicas', () => {
  let first: TestNode;
  let second: TestNode;

  beforeAll(async () => {
    first = await bootTestNode();
    second = await bootReplica(first);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  const record = (writer: string, i: number): AuditRecord => ({
    kind: 'envelope-in',
    messageId: randomUUID(),
    digest: `${writer}-${i}`.padEnd(43, 'x'),
    peer: '360000',
    type: 'federation.ping',
    status: 'accepted',
    code: null,
  });

  it('interleaves concurrent batches from both without losing, repeating or breaking anything', async () => {
    const logs = [first.app.get(AuditLog), second.app.get(AuditLog)];
    const before = await logs[0]!.size();
    const appends = logs.flatMap((log, w) =>
      Array.from({ length: 60 }, (_, i) => log.append([record(`w${w}`, i), record(`w${w}`, i + 1000)])),
    );
    const indexes = (await Promise.all(appends)).flat();

    expect(indexes).toHaveLength(240);
    expect(new Set(indexes).size).toBe(240);
    expect(Math.min(...indexes)).toBe(before);
    expect(Math.max(...indexes)).toBe(before + 239);

    const report = await logs[1]!.verify();
    expect(report.problems).toEqual([]);
    expect(report.entries).toBe(before + 240);
    // Each replica goes on from wherever the other left the log.
    const [next] = await logs[0]!.append([record('after', 0)]);
    const [last] = await logs[1]!.append([record('after', 1)]);
    expect([next, last]).toEqual([before + 240, before + 241]);
    expect((await logs[0]!.verify()).problems).toEqual([]);
  });
});
