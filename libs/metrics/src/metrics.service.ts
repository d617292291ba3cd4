import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/** The node's Prometheus metrics, in a registry of its own (several nodes may share a process). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  /** Every refused request, by error code: bad input, missing or wrong credentials, limits. */
  readonly refusedRequests = new Counter({
    name: 'regulink_http_requests_refused_total',
    help: 'HTTP requests refused with a 4xx error, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  /** Envelopes this node refused, by code (the code its signed rejection receipt carries). */
  readonly refusedEnvelopes = new Counter({
    name: 'regulink_federation_envelopes_refused_total',
    help: "Envelopes refused by this node's checks (messages received, and answers to its queries), by code",
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  /** Envelopes this node accepted and applied, by message type. */
  readonly acceptedEnvelopes = new Counter({
    name: 'regulink_federation_envelopes_accepted_total',
    help: 'Envelopes accepted and applied, by message type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  /** Outbox deliveries, by outcome: delivered, rejected, retry, expired, cancelled. */
  readonly deliveries = new Counter({
    name: 'regulink_federation_deliveries_total',
    help: 'Outbox delivery attempts, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Peer tree heads that failed their consistency check. */
  readonly inconsistentPeerLogs = new Counter({
    name: 'regulink_federation_inconsistent_tree_heads_total',
    help: 'Tree heads of peers that did not extend the ones held before',
    labelNames: ['peer'] as const,
    registers: [this.registry],
  });

  /** Records received in signed batches, by kind and outcome: stored, refused or passed-over (sound, of no use here now). */
  readonly syncedRecords = new Counter({
    name: 'regulink_sync_records_total',
    help: 'Records received in signed batches, by kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Pulls of a peer's feed that failed, by kind and code. */
  readonly failedPulls = new Counter({
    name: 'regulink_sync_pulls_failed_total',
    help: 'Pulls of a peer feed that failed, by kind and code',
    labelNames: ['kind', 'code'] as const,
    registers: [this.registry],
  });

  /** Shops at home here that failed to land alone (each try; the shops beside them landed). */
  readonly landingFailures = new Counter({
    name: 'regulink_landing_failures_total',
    help: 'Tries to land a shop that failed on an error of its own (it is held and tried again)',
    registers: [this.registry],
  });

  /** Requests that failed on an unexpected error (500). */
  readonly failedRequests = new Counter({
    name: 'regulink_http_requests_failed_total',
    help: 'HTTP requests that failed on an unexpected error',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'regulink_' });
  }
}
