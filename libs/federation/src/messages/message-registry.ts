import { Injectable } from '@nestjs/common';
import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { EntityManager } from 'typeorm';
import type { PersonalFieldMap } from '@regulink/domain';
import { inputProblem, type EnvelopeClaims } from '@regulink/protocol';

/** What a handler knows about the message it applies. */
export interface ReceivedMessage<B> {
  readonly claims: EnvelopeClaims;
  readonly body: B;
  readonly digest: string;
  /** The compact JWS as received, for a handler that keeps the signed message itself. */
  readonly envelope: string;
}

/**
 * What an exchange of a type needs besides its schema. A type with a `scope` carries business
 * data: it crosses only under an active agreement granting that scope in that direction, and
 * its `personalFields` (body path -> personal field) are treated per the agreement's field
 * policy. A type without a scope is federation control (ping, tree heads, agreement lifecycle).
 *
 * The data of most exchanges flows with the message, from sender to receiver. A query with
 * `flow: 'answer'` asks the other node for its data (a pull): the agreement must grant the scope
 * from the answering node to the asking one, and the answer's personal fields are the answering
 * context's to treat, since it signs them in its own records.
 */
interface Exchange {
  readonly scope?: string;
  readonly flow?: 'message' | 'answer';
  readonly personalFields?: PersonalFieldMap;
}

/**
 * One message type: its body schema and what receiving it does. An event's `apply` runs inside
 * the transaction that records the envelope, so it takes effect exactly once. A query's `answer`
 * returns the result its signed response carries, and `result` is that result's schema: the
 * asking node checks a peer's answer against it before using it.
 */
export type MessageDefinition<B extends object = object> = Exchange &
  (
    | {
        readonly type: string;
        readonly kind: 'event';
        readonly body: Type<B>;
        /** Checks beyond the schema, before anything is recorded; throw an EnvelopeError to refuse. */
        readonly verify?: (message: ReceivedMessage<B>) => Promise<void>;
        readonly apply: (message: ReceivedMessage<B>, manager: EntityManager) => Promise<void>;
      }
    | {
        readonly type: string;
        readonly kind: 'query';
        readonly body: Type<B>;
        readonly result: Type<object>;
        readonly answer: (message: ReceivedMessage<B>) => Promise<Record<string, unknown>>;
      }
  );

/** The one registry of message types; each context registers the types it owns at start. */
@Injectable()
export class MessageRegistry {
  private readonly definitions = new Map<string, MessageDefinition>();

  register<B extends object>(definition: MessageDefinition<B>): void {
    if (this.definitions.has(definition.type))
      throw new Error(`message type ${definition.type} is registered twice`);
    this.definitions.set(definition.type, definition as unknown as MessageDefinition);
  }

  get(type: string): MessageDefinition | undefined {
    return this.definitions.get(type);
  }

  /**
   * Validates a body against its type's schema with the same rules as the HTTP API (a NUL
   * character, a lone surrogate or deep nesting refused first, as there); returns the problems.
   * Synchronous: no body schema has asynchronous rules, and it runs on every envelope.
   */
  validateBody(definition: MessageDefinition, body: unknown): { body: object; problems: string[] } {
    return validated(definition.body, body, 'body');
  }

  /** Validates the result of a peer's answer to a query of this type, by the same rules. */
  validateResult(definition: MessageDefinition & { kind: 'query' }, result: unknown): string[] {
    return validated(definition.result, result, 'result').problems;
  }
}

function validated(schema: Type<object>, value: unknown, path: string): { body: object; problems: string[] } {
  const unfit = inputProblem(value, path);
  if (unfit !== null) return { body: {}, problems: [unfit] };
  const instance = plainToInstance(schema, value) as object;
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  return { body: instance, problems: problemsOf(errors, '') };
}

/** Each failed rule's message, a nested one prefixed with where it is (`entities.0.creditCode …`). */
function problemsOf(errors: readonly ValidationError[], at: string): string[] {
  return errors.flatMap((e) => {
    const own = Object.values(e.constraints ?? {}).map((message) => at + message);
    const nested = problemsOf(e.children ?? [], `${at}${e.property}.`);
    return own.length + nested.length > 0 ? [...own, ...nested] : [`${at}${e.property} is invalid`];
  });
}
