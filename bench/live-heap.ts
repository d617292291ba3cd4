import { Session } from 'node:inspector';

/**
 * Bytes of heap this process still uses after a full garbage collection (forced through the
 * inspector): what it keeps, as opposed to RSS, which also holds garbage not collected yet.
 */
export async function liveHeap(): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await new Promise<void>((resolve, reject) =>
      session.post('HeapProfiler.collectGarbage', (error) => (error ? reject(error) : resolve())),
    );
  } finally {
    session.disconnect();
  }
  return process.memoryUsage().heapUsed;
}
