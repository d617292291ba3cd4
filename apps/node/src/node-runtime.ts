import { mkdir } from 'node:fs/promises';
import { NestFactory } from '@nestjs/core';
import { HttpException } from '@nestjs/common';
import { LogController, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeConfig, type NodeConfig } from '@regulink/config';
import { EnvelopeReceiver, FederationTransport } from '@regulink/federation';
import { EmbeddedDatabase } from '@regulink/persistence';
import { AppModule } from './app.module';
import { correlationIdFor } from './http/correlation';
import { answerClientError, mapError } from './http/error-body';
import { createRootLogger, JsonLogger } from './logging/json-logger';
import { BODY_LIMIT_BYTES, configureHttpServer } from './http/http-server';

export interface RunningNode {
  readonly app: NestFastifyApplication;
  readonly config: NodeConfig;
  /** Where the HTTP API listens. */
  readonly url: string;
  /** Stops the API, then the embedded database if this node started one. */
  close(): Promise<void>;
}

/**
 * Starts one regional node: its database (external, or embedded in the data folder), the
 * migrations, and the HTTP API. Used by main.ts and by tests that boot real nodes.
 */
export async function startNode(config: NodeConfig): Promise<RunningNode> {
  // Secrets inside are owner-only files; the folder stays traversable for the database server's user.
  await mkdir(config.node.dataDir, { recursive: true });
  const root = createRootLogger(config);
  const databaseLog = root.child({ context: 'Database' });
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    embedded = new EmbeddedDatabase({
      dataDir: config.node.dataDir,
      port: config.database.embeddedPort,
      throwaway: config.database.throwaway,
      log: (message) => databaseLog.debug(message),
    });
    databaseUrl = await embedded.start();
  }

  let app: NestFastifyApplication | undefined;
  try {
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot(config, databaseUrl),
      new FastifyAdapter({
        bodyLimit: BODY_LIMIT_BYTES,
        // A `__proto__` key is kept as the own key JSON.parse makes it, for the request pipe to
        // refuse by name like any key no input has (nothing reads a body before the pipe).
        onProtoPoisoning: 'ignore',
        // Only proxies named in the configuration may say who the client is (sign-in throttling
        // counts failures per client address).
        ...(config.http.trustProxy ? { trustProxy: config.http.trustProxy } : {}),
        loggerInstance: root.child({ context: 'Http' }),
        genReqId: correlationIdFor,
        logController: new LogController({ requestIdLogLabel: 'correlationId' }),
        // Bytes that are no readable request (headers over the limit): the standard body too.
        clientErrorHandler: answerClientError,
        // Refused before any route is found (a URL that does not decode): the standard body too.
        frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
          const { body } = mapError(
            new HttpException(error.message, error.statusCode ?? 400, { cause: error }),
            String(request.id),
          );
          void reply.code(body.statusCode).send(body);
        },
      }),
      { logger: new JsonLogger(root), abortOnError: false },
    );
    configureHttpServer(app);
    // Start-up hooks (keys, message types, migrations) finish before anything is accepted; then the
    // federation listener runs next to the HTTP API, in the same process.
    await app.init();
    const receiver = app.get(EnvelopeReceiver);
    app.connectMicroservice({
      strategy: app.get(FederationTransport).listener((request) => receiver.receive(request)),
    });
    await app.startAllMicroservices();
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }

  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${port}`;
  root.info(
    {
      url,
      database: embedded ? (config.database.throwaway ? 'embedded (throwaway)' : 'embedded') : 'external',
      config: describeConfig(config),
    },
    `node ${config.node.region} (${config.node.name}) is up`,
  );

  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    url,
    close: () =>
      (closing ??= (async () => {
        try {
          await app.close();
        } finally {
          await embedded?.stop();
        }
      })()),
  };
}
