import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import { AccessErrorCode, AccessException } from '@regulink/access';
import { AuditErrorCode, AuditException } from '@regulink/audit';
import { AgreementErrorCode, AgreementException } from '@regulink/agreements';
import { CasesErrorCode, CasesException } from '@regulink/cases';
import { RegistryErrorCode, RegistryException } from '@regulink/registry';
import { ExchangeRefusedException, FederationErrorCode, FederationException } from '@regulink/federation';
import { EnvelopeErrorCode } from '@regulink/protocol';
import { isDatabaseUnavailable, isStatementCancelled } from '@regulink/persistence';
import { RequestValidationException } from './request-validation.exception';

/** The one error body every HTTP error uses. */
export interface ErrorBody {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  readonly correlationId: string;
  /** Only for unexpected errors: quote it to find the details in the log. */
  readonly errorId?: string;
}

export interface MappedError {
  readonly body: ErrorBody;
  /** Unexpected errors are logged in full under their errorId; expected ones are not. */
  readonly unexpected: boolean;
  /** For a refusal that ends by itself, in seconds: sent as Retry-After. */
  readonly retryAfter?: number;
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled error code ${String(value)}`);
}

function federationStatus(code: FederationErrorCode): number {
  switch (code) {
    case FederationErrorCode.PeerNotFound:
    case FederationErrorCode.MessageNotFound:
      return 404;
    case FederationErrorCode.PeerCardInvalid:
    case FederationErrorCode.PeerIsSelf:
    case FederationErrorCode.PeerRegionMismatch:
    case FederationErrorCode.UnknownMessageType:
    case FederationErrorCode.MessageBodyInvalid:
      return 400;
    case FederationErrorCode.PeerKeysChanged:
    case FederationErrorCode.PeerNotAllowed:
      return 409;
    case FederationErrorCode.NoRoute:
    case FederationErrorCode.PeerUnreachable:
    case FederationErrorCode.QueryRefused:
    case FederationErrorCode.BadReply:
      return 502;
    case FederationErrorCode.QueryTimeout:
      return 504;
    default:
      return assertUnreachable(code);
  }
}

function agreementStatus(code: AgreementErrorCode): number {
  switch (code) {
    case AgreementErrorCode.NotFound:
      return 404;
    case AgreementErrorCode.TermsInvalid:
      return 400;
    case AgreementErrorCode.WrongState:
    case AgreementErrorCode.DocumentInvalid:
    case AgreementErrorCode.NotParty:
    case AgreementErrorCode.KeysRetired:
      return 409;
    default:
      return assertUnreachable(code);
  }
}

function registryStatus(code: RegistryErrorCode): number {
  switch (code) {
    case RegistryErrorCode.ImportNotFound:
    case RegistryErrorCode.EvidenceNotFound:
      return 404;
    case RegistryErrorCode.ImportFileInvalid:
    case RegistryErrorCode.UploadIncomplete:
    case RegistryErrorCode.PurposeRequired:
    case RegistryErrorCode.ResolveQueryInvalid:
      return 400;
    case RegistryErrorCode.OfficerQuotaExceeded:
      return 429;
    case RegistryErrorCode.ImportNotResumable:
    case RegistryErrorCode.EvidenceUnverifiable:
    case RegistryErrorCode.ImportIdTaken:
    case RegistryErrorCode.ImportRunning:
    case RegistryErrorCode.ImportTakenOver:
      return 409;
    case RegistryErrorCode.ImportFormatUnsupported:
      return 415;
    case RegistryErrorCode.NodeStopping:
      return 503;
    default:
      return assertUnreachable(code);
  }
}

function casesStatus(code: CasesErrorCode): number {
  switch (code) {
    case CasesErrorCode.NotFound:
    case CasesErrorCode.FileNotFound:
      return 404;
    case CasesErrorCode.FieldInvalid:
    case CasesErrorCode.EvidenceInvalid:
      return 400;
    case CasesErrorCode.WrongSide:
    case CasesErrorCode.TransferRestricted:
      return 403;
    case CasesErrorCode.NoJurisdiction:
    case CasesErrorCode.JurisdictionAmbiguous:
      return 422;
    case CasesErrorCode.EvidenceTooLarge:
      return 413;
    case CasesErrorCode.LocalJurisdiction:
    case CasesErrorCode.TransitionIllegal:
    case CasesErrorCode.TransferLimit:
    case CasesErrorCode.ExtensionUsed:
    case CasesErrorCode.MoreTimeUsed:
    case CasesErrorCode.DeadlinePassed:
    case CasesErrorCode.AlreadyPaused:
    case CasesErrorCode.NotPaused:
    case CasesErrorCode.Conflict:
    case CasesErrorCode.RequestIdTaken:
      return 409;
    default:
      return assertUnreachable(code);
  }
}

/** A refusal the sender makes itself: over quota is "too many", anything else is "not allowed". */
function refusalStatus(code: EnvelopeErrorCode): number {
  return code === EnvelopeErrorCode.QuotaExceeded ? 429 : 403;
}

function auditStatus(code: AuditErrorCode): number {
  switch (code) {
    case AuditErrorCode.OutOfRange:
      return 400;
    default:
      return assertUnreachable(code);
  }
}

function accessStatus(code: AccessErrorCode): number {
  switch (code) {
    case AccessErrorCode.Unauthenticated:
    case AccessErrorCode.InvalidToken:
    case AccessErrorCode.InvalidCredentials:
      return 401;
    case AccessErrorCode.Forbidden:
    case AccessErrorCode.RouteNotDeclared:
    case AccessErrorCode.CurrentPasswordWrong:
      return 403;
    case AccessErrorCode.PasswordUnfit:
      return 400;
    case AccessErrorCode.UserNotFound:
      return 404;
    case AccessErrorCode.UsernameTaken:
    case AccessErrorCode.LastAdmin:
      return 409;
    case AccessErrorCode.SignInLocked:
    case AccessErrorCode.SignInRateLimited:
      return 429;
    default:
      return assertUnreachable(code);
  }
}

const HTTP_STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  502: 'BAD_GATEWAY',
  504: 'GATEWAY_TIMEOUT',
  503: 'SERVICE_UNAVAILABLE',
};

/** Errors raised by the HTTP server itself before a route runs (body parsing, limits). */
const SERVER_ERROR_CODES: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'MALFORMED_JSON',
    message: 'the request body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'MALFORMED_JSON',
    message: 'the JSON request body is empty',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: 'the request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message:
      'the request content type is not supported: send application/json, or for a bulk import ' +
      'text/csv or application/x-ndjson (the file as the body, not a multipart form)',
  },
  // Refused by the HTTP parser before there is a request (see answerClientError).
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'HEADERS_TOO_LARGE',
    message: 'the request line and headers are larger than the server reads',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'REQUEST_TIMEOUT',
    message: 'the request did not arrive in time',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'BAD_URL',
    message: 'the request URL is not well-formed (its percent-encoding)',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'BAD_REQUEST',
    message: 'the request content length does not match its body',
  },
};

/** When to ask a client to try again while the database cannot be reached. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Maps anything thrown while serving a request to the standard error body. */
export function mapError(error: unknown, correlationId: string): MappedError {
  const expected = (statusCode: number, code: string, message: string): MappedError => ({
    body: { statusCode, code, message, correlationId },
    unexpected: false,
  });

  if (error instanceof AccessException) {
    const mapped = expected(accessStatus(error.code), error.code, error.message);
    return error.retryAfterSeconds === undefined
      ? mapped
      : { ...mapped, retryAfter: error.retryAfterSeconds };
  }
  if (error instanceof FederationException)
    return expected(federationStatus(error.code), error.code, error.message);
  if (error instanceof AuditException) return expected(auditStatus(error.code), error.code, error.message);
  if (error instanceof AgreementException)
    return expected(agreementStatus(error.code), error.code, error.message);
  if (error instanceof RegistryException)
    return expected(registryStatus(error.code), error.code, error.message);
  if (error instanceof CasesException) return expected(casesStatus(error.code), error.code, error.message);
  if (error instanceof ExchangeRefusedException)
    return expected(refusalStatus(error.code), error.code, error.message);
  if (error instanceof RequestValidationException) return expected(400, error.code, error.message);
  // Errors of the HTTP server itself (body parsing, limits) arrive wrapped, the original as cause.
  const serverCode = (
    error instanceof HttpException ? (error.cause as { code?: unknown } | undefined) : undefined
  )?.code;
  if (typeof serverCode === 'string' && serverCode in SERVER_ERROR_CODES) {
    const known = SERVER_ERROR_CODES[serverCode]!;
    return expected(known.status, known.code, known.message);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = HTTP_STATUS_CODES[status];
    if (code) return expected(status, code, error.message);
    if (status < 500) return expected(status, 'BAD_REQUEST', error.message);
  }
  if (isDatabaseUnavailable(error)) {
    return {
      ...expected(503, 'DATABASE_UNAVAILABLE', 'the database cannot be reached just now; try again shortly'),
      retryAfter: DATABASE_RETRY_AFTER_SECONDS,
    };
  }
  if (isStatementCancelled(error)) {
    return {
      ...expected(
        503,
        'DATABASE_BUSY',
        'the database did not finish a statement in time (the statement timeout passed, waiting for a lock perhaps); it was rolled back: try again shortly',
      ),
      retryAfter: DATABASE_RETRY_AFTER_SECONDS,
    };
  }
  const errorId = randomUUID();
  return {
    body: {
      statusCode: 500,
      code: 'INTERNAL_ERROR',
      message: `unexpected error; quote ${errorId}`,
      correlationId,
      errorId,
    },
    unexpected: true,
  };
}

/**
 * Answers a connection whose bytes are not an HTTP request the server can read (headers too
 * large, malformed): with the standard error body too, then closes it. No request exists yet, so
 * the correlation id is a new one.
 */
export function answerClientError(
  error: Error & { code?: string },
  socket: {
    destroyed: boolean;
    writable: boolean;
    write(data: string): unknown;
    destroy(error?: Error): unknown;
  },
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { body } = mapError(
    new HttpException('the request is not well-formed HTTP', 400, { cause: error }),
    randomUUID(),
  );
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}
