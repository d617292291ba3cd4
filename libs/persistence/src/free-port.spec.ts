import { createServer } from 'node:net';
import { freePort, outgoingPortRange } from './embedded-database';

describe('freePort', () => {
  it('gives a port outside the range outgoing connections take theirs from, free to listen on', async () => {
    const [low, high] = outgoingPortRange();
    expect(low).toBeLessThanOrEqual(high);
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(low);
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('passes over a port something listens on', async () => {
    const held = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(held, '127.0.0.1', resolve));
    const [low] = outgoingPortRange();
    // The first choice falls on the port held; the next is left to chance.
    const random = jest.spyOn(Math, 'random').mockReturnValueOnce((held - 10_000 + 0.5) / (low - 10_000));
    try {
      const port = await freePort();
      expect(random).toHaveBeenCalledTimes(2);
      expect(port).not.toBe(held);
    } finally {
      random.mockRestore();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("passes over a port web clients refuse (fetch's bad ports), 10080 in its range", async () => {
    const [low] = outgoingPortRange();
    const random = jest.spyOn(Math, 'random').mockReturnValueOnce((10_080 - 10_000 + 0.5) / (low - 10_000));
    try {
      const port = await freePort();
      expect(random).toHaveBeenCalledTimes(2);
      expect(port).not.toBe(10_080);
    } finally {
      random.mockRestore();
    }
    // What the node's own HTTP clients (Node's fetch) make of that port.
    await expect(fetch('http://127.0.0.1:10080/')).rejects.toMatchObject({ cause: { message: 'bad port' } });
  });
});
