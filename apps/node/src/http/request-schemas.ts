import type { INestApplication } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { ApiProperty, type ApiPropertyOptions, type OpenAPIObject } from '@nestjs/swagger';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';

/** Where `@ApiProperty` lists the properties it described (the package does not export the key). */
const API_MODEL_PROPERTIES_ARRAY = 'swagger/apiModelPropertiesArray';

/** A class a route's parameters are read into. */
type DtoClass = abstract new (...args: never[]) => object;

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
export function addRequestSchemas(document: OpenAPIObject, fromRules: Record<string, Schema>): void {
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

/**
 * Describes the query and path parameters of every route that takes them as one DTO
 * (`@Query() query: XQueryDto`) from the DTO's rules, before the document is made: the document
 * lists a DTO's properties as parameters only as far as `@ApiProperty` describes them. Properties
 * described already are left as they are.
 */
export function describeParameterDtos(app: INestApplication, fromRules: Record<string, Schema>): void {
  for (const dto of parameterDtos(app)) {
    const rules = fromRules[dto.name];
    const described = new Set(
      ((Reflect.getMetadata(API_MODEL_PROPERTIES_ARRAY, dto.prototype) as string[] | undefined) ?? []).map(
        (p) => p.replace(/^:/, ''),
      ),
    );
    for (const [name, schema] of Object.entries(rules?.properties ?? {})) {
      if (described.has(name)) continue;
      const {
        type,
        enum: values,
        pattern,
        format,
        minLength,
        maxLength,
        minimum,
        maximum,
      } = schema as Schema;
      const options = { type, enum: values, pattern, format, minLength, maxLength, minimum, maximum };
      ApiProperty({
        ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
        type: (type as string | undefined) ?? 'string',
        required: rules!.required?.includes(name) ?? false,
      } as ApiPropertyOptions)(dto.prototype, name);
    }
  }
}

/** The DTO classes routes take their whole query or their path parameters as. */
function parameterDtos(app: INestApplication): Set<DtoClass> {
  const dtos = new Set<DtoClass>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const prototype = metatype.prototype as object;
      for (const method of Object.getOwnPropertyNames(prototype)) {
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, metatype, method) ?? {}) as Record<
          string,
          { index: number; data?: unknown }
        >;
        const types = (Reflect.getMetadata('design:paramtypes', prototype, method) ?? []) as (
          DtoClass | undefined
        )[];
        for (const [key, { index, data }] of Object.entries(args)) {
          const kind = Number(key.split(':')[0]);
          const type = types[index];
          if (
            (kind === RouteParamtypes.QUERY || kind === RouteParamtypes.PARAM) &&
            data === undefined &&
            type
          )
            dtos.add(type);
        }
      }
    }
  }
  return dtos;
}

/**
 * What the rules (class-validator) of every class say, as JSON Schemas by class name: made once,
 * for both the parameters and the request bodies of the document.
 */
export function schemasFromRules(): Record<string, Schema> {
  return validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: '#/components/schemas/',
    additionalConverters: {
      [ValidationTypes.CUSTOM_VALIDATION]: (meta) => {
        const rule = getMetadataStorage().getTargetValidatorConstraints(meta.constraintCls)[0]?.name;
        return (rule ? CUSTOM_RULES[rule]?.(meta.constraints ?? []) : undefined) ?? {};
      },
    },
  }) as Record<string, Schema>;
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
