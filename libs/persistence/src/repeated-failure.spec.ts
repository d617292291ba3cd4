import { Logger } from '@nestjs/common';
import { RepeatedFailure } from './repeated-failure';

describe('RepeatedFailure', () => {
  it('logs the first failure, then once a minute at most, then the recovery', () => {
    const logger = new Logger('test');
    const lines: [string, string, unknown][] = [];
    for (const level of ['error', 'warn', 'log'] as const) {
      jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
        lines.push([level, String(args[1]), args[0]]);
      });
    }
    let now = 0;
    const task = new RepeatedFailure(logger, 'outbox delivery round', () => now);

    // Ten minutes of failures every 200 ms: 3,000 failures.
    for (; now < 600_000; now += 200) task.failed(new Error('connect ECONNREFUSED'));
    expect(task.count).toBe(3000);
    expect(lines.map(([level, message]) => `${level}: ${message}`)).toEqual([
      'error: outbox delivery round failed',
      ...Array.from({ length: 9 }, () => 'warn: outbox delivery round still failing'),
    ]);
    expect(lines[1]![2]).toEqual({ failures: 301, forSeconds: 60, reason: 'connect ECONNREFUSED' });

    task.succeeded();
    task.succeeded();
    expect(lines.at(-1)).toEqual([
      'log',
      'outbox delivery round works again',
      { failures: 3000, forSeconds: 600 },
    ]);
    expect(lines).toHaveLength(11);
    expect(task.count).toBe(0);
    // A new run of failures starts over with an error.
    task.failed(new Error('again'));
    expect(lines.at(-1)![0]).toBe('error');
  });
});
