import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { textArrayLiteral } from '@regulink/persistence';
import type { CheckedLine } from '../import/import-target';
import type { MarketEntityRecord } from './market-entity-line';

/**
 * A batch of register records, one array per column. A record replaces the stored one only when
 * its content differs and it is not older; `xmax = 0` tells a new row from an updated one.
 */
const UPSERT = `
  INSERT INTO registry_entity AS e (credit_code, credit_code_check_failed, name, entity_type,
    legal_representative, registered_address, division_code, status, established_on,
    status_changed_on, business_scope, source_updated_at, content_hash, import_id, import_line, updated_at,
    name_key, name_grams)
  SELECT c, f, n, t, l, a, d, s, eo::date, sc::date, b, u, h, $14, li, now(), nk, g::text[]
    FROM unnest($1::varchar[], $2::boolean[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[],
                $7::varchar[], $8::varchar[], $9::text[], $10::text[], $11::text[], $12::timestamptz[],
                $13::varchar[], $15::integer[], $16::varchar[], $17::text[])
      AS r(c, f, n, t, l, a, d, s, eo, sc, b, u, h, li, nk, g)
  ON CONFLICT (credit_code) DO UPDATE SET
    credit_code_check_failed = excluded.credit_code_check_failed, name = excluded.name,
    entity_type = excluded.entity_type, legal_representative = excluded.legal_representative,
    registered_address = excluded.registered_address, division_code = excluded.division_code,
    status = excluded.status, established_on = excluded.established_on,
    status_changed_on = excluded.status_changed_on, business_scope = excluded.business_scope,
    source_updated_at = excluded.source_updated_at, content_hash = excluded.content_hash,
    import_id = excluded.import_id, import_line = excluded.import_line, updated_at = excluded.updated_at,
    name_key = excluded.name_key, name_grams = excluded.name_grams
  WHERE e.content_hash <> excluded.content_hash AND e.source_updated_at <= excluded.source_updated_at
  RETURNING credit_code, (xmax = 0) AS inserted`;

/** The node's own register of market entities. */
@Injectable()
export class MarketEntityRepository {
  /** Writes a batch in the caller's transaction; returns which credit codes were new and which changed. */
  async upsertBatch(
    manager: EntityManager,
    importId: string,
    lines: readonly CheckedLine<MarketEntityRecord>[],
  ): Promise<{ accepted: Set<string>; updated: Set<string> }> {
    const column = <T>(pick: (r: MarketEntityRecord) => T) => lines.map((l) => pick(l.record));
    const rows: { credit_code: string; inserted: boolean }[] = await manager.query(UPSERT, [
      column((r) => r.creditCode),
      column((r) => r.creditCodeCheckFailed),
      column((r) => r.name),
      column((r) => r.entityType),
      column((r) => r.legalRepresentative),
      column((r) => r.registeredAddress),
      column((r) => r.divisionCode),
      column((r) => r.status),
      column((r) => r.establishedOn),
      column((r) => r.statusChangedOn),
      column((r) => r.businessScope),
      column((r) => r.sourceUpdatedAt),
      column((r) => r.contentHash),
      importId,
      lines.map((l) => l.line),
      column((r) => r.nameKey),
      column((r) => textArrayLiteral(r.nameGrams)),
    ]);
    const accepted = new Set<string>();
    const updated = new Set<string>();
    for (const row of rows) (row.inserted ? accepted : updated).add(row.credit_code);
    return { accepted, updated };
  }
}
