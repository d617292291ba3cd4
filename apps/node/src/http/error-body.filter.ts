import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MetricsService } from '@regulink/metrics';
import { mapError } from './error-body';
import { pathOf } from '../logging/json-logger';

/** Every error a route throws leaves as the standard error body. */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly metrics: MetricsService) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { body, unexpected, retryAfter } = mapError(error, request.id);
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    if (unexpected) {
      this.metrics.failedRequests.inc();
      this.logger.error({ err: error, errorId: body.errorId }, 'request failed unexpectedly');
    } else {
      this.metrics.refusedRequests.inc({ code: body.code });
      this.logger.warn(
        { code: body.code, statusCode: body.statusCode, path: pathOf(request.url) },
        'request refused',
      );
    }
    // As JSON whatever the route meant to send (a file route declares its own content type).
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
