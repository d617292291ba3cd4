import type { OpenAPIObject } from '@nestjs/swagger';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';

/** A JSON Schema object, as both the document and the rules' converter write it. */
interface Schema {
  properties?: Record<string, object>;
  required?: string[];
  [keyword: string]: unknown;
}

/** A schema as the converter from the rules writes it. */
type RuleSchema = ReturnType<typeof validationMetadatasToSchemas>[string];

/** What the rules of our own (libs/protocol, libs/domain) say of a value, for the document. */
const CUSTOM_RULES: Record<string, (constraints: readonly unknown[]) => RuleSchema> = {
  // Lengths in characters as the database counts them: [min, max].
  chars: ([min, max]) => ({ type: 'string', minLength: Number(min), maxLength: Number(max) }),
  maxChars: ([, max]) => ({ type: 'string', maxLength: Number(max) }),
  minChars: ([min]) => ({ type: 'string', minLength: Number(min) }),
  isCalendarDay: () => ({ type: 'string', format: 'date' }),
};

/**
 * Fills the request schemas of the OpenAPI document from the rules that check the requests
 * (class-validator, the one source of truth): a DTO without `@ApiProperty` is otherwise an empty
 * object there. Every schema the document has, and every schema those refer to, is described by
 * its rules; what `@ApiProperty` says (descriptions, examples) is kept over them.
 */
export function addRequestSchemas(document: OpenAPIObject): void {
  const fromRules = validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: '#/components/schemas/',
    additionalConverters: {
      [ValidationTypes.CUSTOM_VALIDATION]: (meta) => {
        const rule = getMetadataStorage().getTargetValidatorConstraints(meta.constraintCls)[0]?.name;
        return (rule ? CUSTOM_RULES[rule]?.(meta.constraints ?? []) : undefined) ?? {};
      },
    },
  }) as Record<string, Schema>;
  const schemas = ((document.components ??= {}).schemas ??= {}) as Record<string, Schema>;
  const pending = Object.keys(schemas);
  const done = new Set<string>();
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const rules = fromRules[name];
    if (done.has(name) || !rules) continue;
    done.add(name);
    schemas[name] = merged(rules, schemas[name]);
    pending.push(...referencesIn(rules));
  }
}

/** The schema from the rules, with what the document said of each property laid over it. */
function merged(rules: Schema, described: Schema | undefined): Schema {
  if (!described) return rules;
  const properties = { ...rules.properties };
  for (const [name, said] of Object.entries(described.properties ?? {}))
    properties[name] = { ...properties[name], ...said };
  const required = [...new Set([...(rules.required ?? []), ...(described.required ?? [])])];
  return { ...rules, ...described, properties, ...(required.length > 0 ? { required } : {}) };
}

/** The names of the schemas `schema` refers to, however deep. */
function referencesIn(schema: unknown): string[] {
  if (Array.isArray(schema)) return schema.flatMap(referencesIn);
  if (typeof schema !== 'object' || schema === null) return [];
  return Object.entries(schema).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [value.split('/').pop()!] : referencesIn(value),
  );
}
