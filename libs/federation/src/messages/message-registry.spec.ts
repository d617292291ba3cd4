import 'reflect-metadata';
import { IsString } from 'class-validator';
import { MaxChars } from '@regulink/protocol';
import { MessageRegistry, type MessageDefinition } from './message-registry';

class NoteBody {
  @IsString()
  @MaxChars(20)
  text!: string;
}

describe('MessageRegistry.validateBody', () => {
  const registry = new MessageRegistry();
  const definition: MessageDefinition = {
    type: 'test.note',
    kind: 'event',
    body: NoteBody,
    apply: async () => undefined,
  };
  registry.register(definition);

  it('takes a body that keeps its schema, as an instance of it', () => {
    const { body, problems } = registry.validateBody(definition, { text: '线索说明' });
    expect(problems).toEqual([]);
    expect(body).toBeInstanceOf(NoteBody);
  });

  it('refuses a NUL character, which no table could store, before the schema', () => {
    expect(registry.validateBody(definition, { text: 'a\u0000b' }).problems).toEqual([
      'body.text holds a NUL character (U+0000), which cannot be stored',
    ]);
  });

  it('lists what breaks the schema, unknown fields included', () => {
    expect(registry.validateBody(definition, { text: 'x'.repeat(21), extra: 1 }).problems).toEqual([
      'property extra should not exist',
      'text must be shorter than or equal to 20 characters',
    ]);
  });

  it('refuses a key that reading the body would drop unseen, as any unknown field', () => {
    for (const key of ['__proto__', 'constructor']) {
      const sent = JSON.parse(`{"text":"x","${key}":{"text":"y"}}`) as unknown;
      expect(registry.validateBody(definition, sent).problems).toEqual([
        `body.${key} is not a field of any input (a key by that name is never read)`,
      ]);
    }
  });
});
