import { IsISO8601, IsOptional, IsString, Matches } from 'class-validator';
import type { MessageDefinition } from './message-registry';
import { Chars } from '@regulink/protocol';

/** `federation.ping`: a one-way message that exercises the whole path (outbox, receipt, audit). */
export class PingBody {
  @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  nonce!: string;

  @IsOptional()
  @IsString()
  @Chars(0, 200)
  note?: string;

  @IsISO8601()
  sentAt!: string;
}

/** `federation.echo`: a query answered at once with the nonce it carried. */
export class EchoBody {
  @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  nonce!: string;
}

/** What an echo is answered with: the nonce, and the region that asked. */
export class EchoResult {
  @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  nonce!: string;

  @Matches(/^[0-9]{6}$/)
  from!: string;
}

export const PING: MessageDefinition<PingBody> = {
  type: 'federation.ping',
  kind: 'event',
  body: PingBody,
  // Recording the envelope in the inbox is the whole effect of a ping.
  apply: async () => undefined,
};

export const ECHO: MessageDefinition<EchoBody> = {
  type: 'federation.echo',
  kind: 'query',
  body: EchoBody,
  result: EchoResult,
  answer: async ({ body, claims }) => ({ nonce: body.nonce, from: claims.from }),
};
