import type { DataSource } from 'typeorm';
import { HealthRepository, READY_TIMEOUT_MS } from './health.repository';

describe('HealthRepository.databaseReady', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers not ready in time when the database hangs, holding one query for all probes', async () => {
    // A database that takes connections and never answers (a frozen server, a full disk).
    let answer: (() => void) | undefined;
    const query = jest.fn(() => new Promise<void>((resolve) => (answer = resolve)));
    const health = new HealthRepository({
      query,
      showMigrations: async () => false,
    } as unknown as DataSource);

    const probes = [health.databaseReady(), health.databaseReady(), health.databaseReady()];
    await jest.advanceTimersByTimeAsync(READY_TIMEOUT_MS);
    expect(await Promise.all(probes)).toEqual([false, false, false]);
    expect(query).toHaveBeenCalledTimes(1);

    // Still hanging: a later probe waits for the same query, then the database answers.
    const later = health.databaseReady();
    expect(query).toHaveBeenCalledTimes(1);
    answer!();
    expect(await later).toBe(true);
    // The next probe asks again.
    const next = health.databaseReady();
    answer!();
    expect(await next).toBe(true);
    expect(query).toHaveBeenCalledTimes(2);
  });
});
