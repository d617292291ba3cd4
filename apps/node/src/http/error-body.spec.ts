import { BadRequestException, HttpException, ServiceUnavailableException } from '@nestjs/common';
import { AccessErrorCode, AccessException } from '@regulink/access';
import { QueryFailedError } from 'typeorm';
import { mapError } from './error-body';
import { RequestValidationException } from './request-validation.exception';

describe('mapError', () => {
  it.each([
    [new AccessException(AccessErrorCode.Unauthenticated, 'm'), 401, 'UNAUTHENTICATED'],
    [new AccessException(AccessErrorCode.InvalidToken, 'm'), 401, 'INVALID_TOKEN'],
    [new AccessException(AccessErrorCode.InvalidCredentials, 'm'), 401, 'INVALID_CREDENTIALS'],
    [new AccessException(AccessErrorCode.Forbidden, 'm'), 403, 'FORBIDDEN'],
    [new AccessException(AccessErrorCode.RouteNotDeclared, 'm'), 403, 'ROUTE_NOT_DECLARED'],
    [new AccessException(AccessErrorCode.UsernameTaken, 'm'), 409, 'USERNAME_TAKEN'],
    [new AccessException(AccessErrorCode.UserNotFound, 'm'), 404, 'USER_NOT_FOUND'],
    [new AccessException(AccessErrorCode.LastAdmin, 'm'), 409, 'LAST_ADMIN'],
    [new AccessException(AccessErrorCode.PasswordUnfit, 'm'), 400, 'PASSWORD_UNFIT'],
    [new AccessException(AccessErrorCode.CurrentPasswordWrong, 'm'), 403, 'CURRENT_PASSWORD_WRONG'],
    [new AccessException(AccessErrorCode.SignInLocked, 'm'), 429, 'SIGN_IN_LOCKED'],
    [new AccessException(AccessErrorCode.SignInRateLimited, 'm'), 429, 'SIGN_IN_RATE_LIMITED'],
    [new RequestValidationException(['a must be b']), 400, 'VALIDATION_FAILED'],
    [new ServiceUnavailableException('db down'), 503, 'SERVICE_UNAVAILABLE'],
    [new BadRequestException('x'), 400, 'BAD_REQUEST'],
    [
      new HttpException('x', 400, { cause: { code: 'FST_ERR_CTP_INVALID_JSON_BODY' } }),
      400,
      'MALFORMED_JSON',
    ],
    [
      new HttpException('x', 413, { cause: { code: 'FST_ERR_CTP_BODY_TOO_LARGE' } }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      new HttpException('x', 415, { cause: { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
  ])('maps %p to %i %s', (error, statusCode, code) => {
    const { body, unexpected } = mapError(error, 'corr-1234');
    expect(body).toMatchObject({ statusCode, code, correlationId: 'corr-1234' });
    expect(body.errorId).toBeUndefined();
    expect(unexpected).toBe(false);
  });

  it('hides an unexpected error behind an errorId and flags it for the log', () => {
    const { body, unexpected } = mapError(new Error('password=hunter2 at db'), 'corr-1234');
    expect(unexpected).toBe(true);
    expect(body.statusCode).toBe(500);
    expect(body.code).toBe('INTERNAL_ERROR');
    expect(body.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.message).not.toContain('hunter2');
    expect(body.message).toContain(body.errorId);
  });

  it('answers 503 with Retry-After when the database cannot be reached, not 500', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    for (const error of [
      refused,
      new QueryFailedError('SELECT 1', [], shutdown),
      new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly')),
      new Error('timeout exceeded when trying to connect'),
      new Error('could not read the user', { cause: refused }),
    ]) {
      expect(mapError(error, 'corr-1234')).toEqual({
        body: {
          statusCode: 503,
          code: 'DATABASE_UNAVAILABLE',
          message: expect.stringMatching(/try again/),
          correlationId: 'corr-1234',
        },
        unexpected: false,
        retryAfter: 5,
      });
    }
    // A statement the database refused is not the database being away.
    const syntax = Object.assign(new Error('syntax error'), { code: '42601' });
    expect(mapError(new QueryFailedError('SELEC 1', [], syntax), 'c').body.statusCode).toBe(500);
  });

  it('answers 503 DATABASE_BUSY with Retry-After when the database cancelled a statement', () => {
    const cancelled = Object.assign(new Error('canceling statement due to statement timeout'), {
      code: '57014',
    });
    for (const error of [
      new QueryFailedError('SELECT 1', [], cancelled),
      new Error('could not land', { cause: new QueryFailedError('SELECT 1', [], cancelled) }),
    ]) {
      expect(mapError(error, 'c')).toMatchObject({
        body: { statusCode: 503, code: 'DATABASE_BUSY' },
        unexpected: false,
        retryAfter: 5,
      });
    }
  });
});
