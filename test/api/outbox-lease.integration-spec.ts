import { v7 as uuidv7 } from 'uuid';
import { OutboxRepository } from '../../libs/federation/src/sending/outbox.repository';
import { bootTestNode, sql, type TestNode } from '../support/test-node';

/** Far enough ahead that the node's own delivery worker leaves these messages alone. */
const DUE = new Date('2100-01-01T00:00:00Z');

/**
 * The outbox's claims between workers of several replicas: a message is settled or rescheduled
 * only by the claim that holds it, so a worker whose lease ran out (a stalled process) cannot
 * overwrite the outcome and receipt of the one that took the message over; and a round keeps
 * holding the messages still waiting their turn.
 */
describe('outbox leases (real node, real PostgreSQL)', () => {
  let node: TestNode;
  let outbox: OutboxRepository;
  const ids = [uuidv7(), uuidv7()];

  beforeAll(async () => {
    node = await bootTestNode();
    outbox = node.app.get(OutboxRepository);
    for (const id of ids) {
      await sql(
        node,
        `INSERT INTO federation_outbox (id, to_region, type, digest, envelope, status, attempts, next_attempt_at,
                                        expires_at, created_at)
         VALUES ($1, '360000', 'federation.ping', 'digest', 'envelope', 'pending', 0, $2, $3, now())`,
        [id, DUE, new Date(DUE.getTime() + 86_400_000)],
      );
    }
  });

  afterAll(async () => {
    await node?.close();
  });

  const row = async (id: string) =>
    (
      await sql<{
        status: string;
        receipt: string | null;
        last_error: string | null;
        lease_left: number | null;
      }>(
        node,
        `SELECT status, receipt, last_error, extract(epoch FROM lease_until - now())::float AS lease_left
           FROM federation_outbox WHERE id = $1`,
        [id],
      )
    )[0]!;

  it('lets only the claim holding a message settle or reschedule it', async () => {
    const [first, second] = [uuidv7(), uuidv7()];
    expect((await outbox.claimDue(10, 30_000, DUE, first)).map((m) => m.id).sort()).toEqual([...ids].sort());
    // Not due again while held...
    expect(await outbox.claimDue(10, 30_000, DUE, second)).toEqual([]);
    // ...until the first worker's lease runs out (it stalled), and another replica takes them over.
    await sql(
      node,
      `UPDATE federation_outbox SET lease_until = now() - interval '1 second' WHERE id = ANY($1)`,
      [ids],
    );
    expect(await outbox.claimDue(10, 30_000, DUE, second)).toHaveLength(2);

    const settledAt = new Date();
    expect(
      await outbox.settle(second, ids[0]!, 'delivered', 'receipt: accepted', null, null, settledAt),
    ).toBe(true);
    // The stalled worker's late outcome (the receiver's duplicate receipt) does not replace it.
    expect(
      await outbox.settle(first, ids[0]!, 'delivered', 'receipt: duplicate', 'REPLAYED', null, settledAt),
    ).toBe(false);
    expect(await row(ids[0]!)).toMatchObject({ status: 'delivered', receipt: 'receipt: accepted' });
    // Nor does its late failure reschedule a message the other holds.
    await outbox.retryLater(first, ids[1]!, DUE, 'the stalled worker timed out');
    const held = await row(ids[1]!);
    expect(held).toMatchObject({ status: 'pending', last_error: null });
    expect(held.lease_left).toBeGreaterThan(20);

    // A round renews the lease of the messages it still holds, and only those.
    await sql(node, `UPDATE federation_outbox SET lease_until = now() + interval '2 seconds' WHERE id = $1`, [
      ids[1],
    ]);
    await outbox.renew(first, 60_000);
    expect((await row(ids[1]!)).lease_left).toBeLessThan(5);
    await outbox.renew(second, 60_000);
    expect((await row(ids[1]!)).lease_left).toBeGreaterThan(50);
    // A settled message is not held again by a renewal.
    expect((await row(ids[0]!)).lease_left).toBeNull();
  });
});
