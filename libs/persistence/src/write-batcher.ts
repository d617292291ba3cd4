interface Waiting<I, O> {
  readonly item: I;
  readonly resolve: (result: O) => void;
  readonly reject: (error: unknown) => void;
}

export interface WriteBatcherOptions<I> {
  /** The most a batch may hold, counted with `weight` (one per item by default). */
  readonly maxWeight: number;
  /** How much one item counts towards `maxWeight`; an item heavier than it still goes alone. */
  readonly weight?: (item: I) => number;
}

/**
 * Groups writes from concurrent callers. The first caller's item is written at once; items that
 * arrive while a batch is being written go out together in the next one. So under load many
 * items share one statement and one commit, and a lone caller waits for nothing.
 *
 * `write` receives the items of one batch in arrival order and returns one result per item, in the
 * same order. When it fails, every caller in that batch gets its error, and the next batch is
 * tried on its own.
 */
export class WriteBatcher<I, O> {
  private queue: Waiting<I, O>[] = [];
  private running: Promise<void> | undefined;
  /** Items submitted, and items written or failed, since the start; batches go in arrival order. */
  private submitted = 0;
  private settled = 0;
  private readonly watchers: { upTo: number; resolve: () => void }[] = [];

  constructor(
    private readonly write: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly options: WriteBatcherOptions<I>,
  ) {}

  /** Queues `item`; resolves with its result once the batch holding it is written. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.submitted++;
      this.running ??= this.drain();
    });
  }

  /** Resolves once everything submitted before this call has been written or has failed. */
  settledSoFar(): Promise<void> {
    const upTo = this.submitted;
    if (this.settled >= upTo) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push({ upTo, resolve }));
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        try {
          const results = await this.write(batch.map((w) => w.item));
          if (results.length !== batch.length) {
            throw new Error(`a batch write returned ${results.length} results for ${batch.length} items`);
          }
          batch.forEach((w, i) => w.resolve(results[i]!));
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
        this.settled += batch.length;
        while (this.watchers.length > 0 && this.watchers[0]!.upTo <= this.settled)
          this.watchers.shift()!.resolve();
      }
    } finally {
      this.running = undefined;
    }
  }

  private take(): Waiting<I, O>[] {
    const weight = this.options.weight ?? (() => 1);
    const batch: Waiting<I, O>[] = [];
    let total = 0;
    while (this.queue.length > 0) {
      const next = weight(this.queue[0]!.item);
      if (batch.length > 0 && total + next > this.options.maxWeight) break;
      batch.push(this.queue.shift()!);
      total += next;
    }
    return batch;
  }
}
