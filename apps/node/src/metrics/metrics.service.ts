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
