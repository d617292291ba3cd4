import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { requestContext } from '../logging/request-context';
import { CORRELATION_HEADER } from './correlation';
import { addRequestSchemas, describeParameterDtos, schemasFromRules } from './request-schemas';

/** Largest JSON body the API accepts; bulk data arrives as streamed imports, not JSON bodies. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * What the HTTP server needs beyond the routes: the correlation id on every reply and on every
 * log line written while serving the request, and the OpenAPI document at /docs/json with its UI
 * at /docs. (Errors, including body-parsing ones, reach ErrorBodyFilter through Nest.)
 */
export function configureHttpServer(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  // Bulk files stream through to the import, unread and unbounded: they are read a batch at a time.
  // Evidence files too: the upload reads them up to their own limit.
  fastify.addContentTypeParser(
    ['text/csv', 'application/x-ndjson', 'application/octet-stream'],
    (_request, payload, done) => done(null, payload),
  );
  // Once the server is closing, an answer still under way ends its connection: a client keeping
  // its connection open (keep-alive) would otherwise hold the node's stop until it times out.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(CORRELATION_HEADER, request.id);
    // Answers carry personal data and tokens: kept by no cache, and read only as what they say they are.
    void reply.header('cache-control', 'no-store');
    void reply.header('x-content-type-options', 'nosniff');
    requestContext.run({ correlationId: request.id }, done);
  });

  const fromRules = schemasFromRules();
  describeParameterDtos(app, fromRules);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Regulink node API')
      .setDescription('The HTTP API of one Regulink regional node.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  addRequestSchemas(document, fromRules);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json', yamlDocumentUrl: 'docs/yaml' });
}
