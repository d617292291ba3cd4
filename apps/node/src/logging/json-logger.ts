import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import { pino, type Logger as Pino } from 'pino';
import type { NodeConfig } from '@regulink/config';
import { requestContext } from './request-context';

/**
 * The root JSON logger (pino) of a node: one line per event, the node's region on every line,
 * credentials redacted wherever they could appear.
 */
export function createRootLogger(config: NodeConfig): Pino {
  return pino({
    level: config.log.level,
    base: { node: config.node.region },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.passphrase',
        '*.privateKey',
        '*.databaseUrl',
        '*.accessToken',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // A request as its method and path: its query string can carry a credential someone put
      // there, or the personal data a lookup is about.
      req: (req: { method?: unknown; url?: unknown }) => ({
        method: req.method,
        path: typeof req.url === 'string' ? pathOf(req.url) : undefined,
      }),
    },
  });
}

/** A request URL without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

const LEVELS: Readonly<Record<NestLogLevel, 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal'>> = {
  log: 'info',
  error: 'error',
  warn: 'warn',
  debug: 'debug',
  verbose: 'trace',
  fatal: 'fatal',
};

/**
 * Nest's Logger API over pino. `logger.log({ fields }, 'message')` logs the fields as JSON;
 * a line logged while serving a request carries that request's correlation id.
 */
export class JsonLogger implements LoggerService {
  constructor(private readonly root: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: NestLogLevel, message: unknown, rest: unknown[]): void {
    // Nest appends the logger's context as the last argument when the Logger has one.
    const params = [...rest];
    const context =
      params.length > 0 && typeof params[params.length - 1] === 'string' ? params.pop() : undefined;
    const correlationId = requestContext.getStore()?.correlationId;
    const fields: Record<string, unknown> = { context, correlationId };
    let text: string | undefined;
    if (message instanceof Error) {
      fields.err = message;
      text = message.message;
    } else if (message && typeof message === 'object') {
      Object.assign(fields, message);
      text = typeof params[0] === 'string' ? (params.shift() as string) : undefined;
    } else {
      text = String(message);
    }
    // Nest passes an error's stack as the second argument of error().
    if (level === 'error' && typeof params[0] === 'string' && params[0].includes('\n    at '))
      fields.stack = params.shift();
    this.root[LEVELS[level]](fields, text);
  }
}
