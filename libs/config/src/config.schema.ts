import 'reflect-metadata';
import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  type ValidationArguments,
  type ValidatorConstraintInterface,
  Validate,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  ValidatorConstraint,
} from 'class-validator';
import { isIP } from 'node:net';
import { findDivision, isRegionCode } from '@regulink/domain';
import { isPasswordTheUsername, USERNAME_FORM } from '@regulink/protocol';
import { LOG_LEVELS, type LogLevel } from './node-config';

/** Why an entry of a comma-separated list of addresses (IPv4, IPv6, or either with /prefix) is not one. */
function addressProblem(entry: string): string | undefined {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return `"${entry}" is not an IP address or address/prefix`;
  if (prefix === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits
    ? undefined
    : `"${entry}" has a prefix other than 0 to ${bits}`;
}

@ValidatorConstraint({ name: 'addressList' })
class AddressListConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && this.problem(value) === undefined;
  }
  defaultMessage(args?: ValidationArguments): string {
    const value: unknown = args?.value;
    return typeof value === 'string'
      ? `must list IP addresses or address/prefix, comma-separated: ${this.problem(value)}`
      : 'must list IP addresses or address/prefix, comma-separated';
  }
  private problem(value: string): string | undefined {
    const entries = value.split(',').map((e) => e.trim());
    if (entries.some((e) => e === '')) return 'an entry is empty';
    return entries.map(addressProblem).find((p) => p !== undefined);
  }
}

@ValidatorConstraint({ name: 'regionCode' })
class RegionCodeConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && isRegionCode(value);
  }
  defaultMessage(args?: ValidationArguments): string {
    const value: unknown = args?.value;
    if (typeof value !== 'string' || !/^\d{6}$/.test(value))
      return 'must be a six-digit GB/T 2260 division code';
    const known = findDivision(value);
    if (!known) return `${value} is not a GB/T 2260 division code`;
    const successor = known.successorCode ? findDivision(known.successorCode) : undefined;
    return successor
      ? `${value} (${known.name}) is no longer in force; it was replaced by ${successor.code} (${successor.name})`
      : `${value} (${known.name}) is no longer in force`;
  }
}

/** A number that is not below another setting of the same section (named in the constraint). */
@ValidatorConstraint({ name: 'notBelow' })
class NotBelow implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const other = (args.object as Record<string, unknown>)[args.constraints[0] as string];
    return typeof value !== 'number' || typeof other !== 'number' || value >= other;
  }
  defaultMessage(args: ValidationArguments): string {
    return `must not be below ${args.constraints[0] as string}`;
  }
}

/**
 * Where peers deliver envelopes: `nats:<subject>`, or `tcp://host:port` / `tls://host:port` with
 * the grammar the TCP transport reaches (libs/federation tcp.transport.ts: an IPv6 host in
 * brackets, at most five digits of port) and a port a peer can connect to, 1 to 65535.
 */
@ValidatorConstraint({ name: 'federationEndpoint' })
class FederationEndpointConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    if (/^nats:[A-Za-z0-9._-]+$/.test(value)) return true;
    const port = endpointPort(value);
    return port !== undefined && /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535;
  }
  defaultMessage(args?: ValidationArguments): string {
    const port = typeof args?.value === 'string' ? endpointPort(args.value) : undefined;
    return port === undefined
      ? 'must be tcp://host:port, tls://host:port or nats:<subject>'
      : `must end in a port from 1 to 65535, got "${port}"`;
  }
}

/** The port text of a `tcp://` or `tls://` endpoint, whatever it holds; undefined for another shape. */
function endpointPort(endpoint: string): string | undefined {
  return /^(tcp|tls):\/\/(\[[^\]]+\]|[^:/\s]+):([^:/\s]+)$/.exec(endpoint)?.[3];
}

const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;

/** A TCP port a listener binds: an integer from 1 to 65535. */
function ListenPort(): PropertyDecorator {
  return applyDecorators(
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(65535),
  );
}

class NodeSchema {
  @Validate(RegionCodeConstraint)
  region!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @IsString()
  @IsNotEmpty()
  dataDir!: string;
}

class HttpSchema {
  @IsString()
  @IsNotEmpty()
  host!: string;

  @ListenPort()
  port!: number;

  // Derived from host and port unless set; left unset only when those are invalid themselves.
  @ValidateIf((o: HttpSchema) => o.publicUrl !== undefined)
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  publicUrl!: string;

  @IsOptional()
  @Validate(AddressListConstraint)
  trustProxy?: string;
}

/**
 * A postgres:// (or postgresql://) URL that parses, with a port from 1 to 65535 when it names one;
 * or one with no host that names its Unix socket folder in `host=` (as the driver takes it).
 */
function isConnectionUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !/^postgres(ql)?:\/\/.+/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.port === '' || (Number(url.port) >= 1 && Number(url.port) <= 65535);
  } catch {
    return /^postgres(ql)?:\/\/([^@/?#]*@)?\/[^?#]*\?(.*&)?host=\/[^&#]+/.test(value);
  }
}

class DatabaseSchema {
  @IsOptional()
  @ValidateBy({
    name: 'isConnectionUrl',
    validator: {
      validate: isConnectionUrl,
      // Never the value: it holds the database password.
      defaultMessage: () => 'must be a postgres:// connection URL (host, and a port from 1 to 65535 if any)',
    },
  })
  url?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  embeddedPort!: number;

  @IsBoolean()
  throwaway!: boolean;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3600)
  statementTimeoutSeconds!: number;
}

class KeysSchema {
  @IsString()
  @IsNotEmpty()
  file!: string;

  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'must be at least 12 characters' })
  passphrase?: string;
}

class AdminSchema {
  @Matches(USERNAME_FORM, {
    message:
      'must be 3-64 characters: lower-case letters, digits, dot, dash or underscore, starting with a letter',
  })
  username!: string;

  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'must be at least 12 characters' })
  @MaxLength(200, { message: 'must be at most 200 characters' })
  @ValidateBy({
    name: 'notTheUsername',
    validator: {
      // As an account's password set through the API: not the username, whatever its case.
      validate: (value: unknown, args) =>
        typeof value !== 'string' ||
        !isPasswordTheUsername(value, String((args?.object as AdminSchema).username)),
      defaultMessage: () => 'must not be the username',
    },
  })
  password?: string;
}

class AuthSchema {
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(86400)
  tokenTtlSeconds!: number;
}

class FederationSchema {
  @IsIn(['tcp', 'nats'])
  transport!: 'tcp' | 'nats';

  @IsString()
  @IsNotEmpty()
  host!: string;

  @ListenPort()
  port!: number;

  @ValidateIf((o: FederationSchema) => o.publicEndpoint !== undefined)
  @Validate(FederationEndpointConstraint)
  publicEndpoint!: string;

  @ValidateIf((o: FederationSchema) => o.transport === 'nats' || o.natsServers !== undefined)
  @Matches(/^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/, {
    message: 'must list nats://host:port servers, comma-separated (required for transport nats)',
  })
  natsServers?: string;

  // TLS needs the certificate and its key: one without the other (or a CA alone) would leave
  // the federation on plain TCP while the operator believes it encrypted.
  @ValidateIf(
    (o: FederationSchema) => o.tlsCert !== undefined || o.tlsKey !== undefined || o.tlsCa !== undefined,
  )
  @IsString({ message: 'must be set together with REGULINK_FEDERATION_TLS_KEY' })
  tlsCert?: string;

  @ValidateIf(
    (o: FederationSchema) => o.tlsCert !== undefined || o.tlsKey !== undefined || o.tlsCa !== undefined,
  )
  @IsString({ message: 'must be set together with REGULINK_FEDERATION_TLS_CERT' })
  tlsKey?: string;

  @IsOptional()
  @IsString()
  tlsCa?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  maxEnvelopeBytes!: number;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3600)
  clockSkewSeconds!: number;

  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(DAY_S)
  idleTimeoutSeconds!: number;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  maxConnections!: number;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  maxConnectionsPerAddress!: number;

  // Timers: Node runs a delay over 2^31-1 ms (about 24.8 days) after 1 ms, so each bound stays
  // well below, at a day.
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(DAY_MS)
  retryBaseMs!: number;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(DAY_MS)
  @Validate(NotBelow, ['retryBaseMs'])
  retryMaxMs!: number;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(DAY_S)
  treeHeadIntervalSeconds!: number;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(DAY_S)
  syncPollSeconds!: number;
}

class RegistrySchema {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  resolveDailyQuotaPerOfficer!: number;
}

class LogSchema {
  @IsIn(LOG_LEVELS)
  level!: LogLevel;
}

export class NodeConfigSchema {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => NodeSchema)
  node!: NodeSchema;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => HttpSchema)
  http!: HttpSchema;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DatabaseSchema)
  database!: DatabaseSchema;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => KeysSchema)
  keys!: KeysSchema;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AdminSchema)
  admin!: AdminSchema;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AuthSchema)
  auth!: AuthSchema;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => FederationSchema)
  federation!: FederationSchema;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RegistrySchema)
  registry!: RegistrySchema;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => LogSchema)
  log!: LogSchema;
}
