import { WriteBatcher } from './write-batcher';

/** A write that records each batch it is given and waits until the test lets it finish. */
function controlledWrite() {
  const batches: number[][] = [];
  const gates: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  const write = (items: readonly number[]) => {
    batches.push([...items]);
    return new Promise<string[]>((resolve, reject) =>
      gates.push({ resolve: () => resolve(items.map((i) => `done ${i}`)), reject }),
    );
  };
  const tick = () => new Promise((r) => setImmediate(r));
  return { batches, gates, write, tick };
}

describe('WriteBatcher', () => {
  it('writes a lone item at once, and groups what arrives meanwhile into the next batch', async () => {
    const { batches, gates, write, tick } = controlledWrite();
    const batcher = new WriteBatcher(write, { maxWeight: 100 });
    const first = batcher.submit(1);
    await tick();
    expect(batches).toEqual([[1]]);
    const rest = [2, 3, 4].map((i) => batcher.submit(i));
    await tick();
    expect(batches).toEqual([[1]]);
    gates[0]!.resolve();
    await expect(first).resolves.toBe('done 1');
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    gates[1]!.resolve();
    await expect(Promise.all(rest)).resolves.toEqual(['done 2', 'done 3', 'done 4']);
  });

  it('keeps each batch within maxWeight, in arrival order, and lets a heavier item go alone', async () => {
    const { batches, gates, write, tick } = controlledWrite();
    const batcher = new WriteBatcher(write, { maxWeight: 5, weight: (i) => i });
    const all = [1, 2, 2, 2, 9, 1].map((i) => batcher.submit(i));
    for (let k = 0; k < 5; k++) {
      await tick();
      gates[k]?.resolve();
    }
    await Promise.all(all);
    expect(batches).toEqual([[1], [2, 2], [2], [9], [1]]);
  });

  it('fails only the callers of a failed batch; the next batch is written', async () => {
    const { batches, gates, write, tick } = controlledWrite();
    const batcher = new WriteBatcher(write, { maxWeight: 10 });
    const first = batcher.submit(1);
    const second = [batcher.submit(2), batcher.submit(3)];
    await tick();
    gates[0]!.reject(new Error('database gone'));
    await expect(first).rejects.toThrow('database gone');
    await tick();
    expect(batches).toEqual([[1], [2, 3]]);
    gates[1]!.resolve();
    await expect(Promise.all(second)).resolves.toEqual(['done 2', 'done 3']);
  });

  it('refuses a write that does not answer every item', async () => {
    const batcher = new WriteBatcher<number, number>(async (items) => items.slice(1), { maxWeight: 10 });
    const results = [1, 2, 3].map((i) => batcher.submit(i));
    await expect(results[0]).rejects.toThrow('returned 0 results for 1 items');
    await expect(results[1]).rejects.toThrow('returned 1 results for 2 items');
    await expect(results[2]).rejects.toThrow('returned 1 results for 2 items');
  });

  it('tells when everything submitted before the call is settled, even while more keeps coming', async () => {
    const { gates, write, tick } = controlledWrite();
    const batcher = new WriteBatcher(write, { maxWeight: 1 });
    await expect(batcher.settledSoFar()).resolves.toBeUndefined();
    void batcher.submit(1);
    void batcher.submit(2);
    let settled = false;
    void batcher.settledSoFar().then(() => (settled = true));
    void batcher.submit(3);
    await tick();
    gates[0]!.resolve();
    await tick();
    expect(settled).toBe(false);
    gates[1]!.resolve();
    await tick();
    await tick();
    expect(settled).toBe(true);
    gates[2]!.resolve();
  });
});
