import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CheckedLine, WrittenBatch } from '../import/import-target';
import { lockFeed } from '../sync/feed-lock';
import type { MarketEntityRecord } from './market-entity-line';

/**
 * A batch of register records as one JSON array (serialized natively, where arrays per column
 * were escaped element by element in JavaScript). A record replaces the stored one only when its
 * content differs and it is not older; `xmax = 0` tells a new row from an updated one. A new or
 * changed entry takes a new position in the register's feed, which landing follows.
 */
const UPSERT = `
  INSERT INTO registry_entity AS e (credit_code, credit_code_check_failed, name, entity_type,
    legal_representative, registered_address, division_code, status, established_on,
    status_changed_on, business_scope, source_updated_at, content_hash, import_id, import_line, updated_at,
    name_key, name_grams)
  SELECT c, f, n, t, l, a, d, s, eo, sc, b, u, h, $2, li, now(), nk, g
    FROM json_to_recordset($1::json)
      AS r(c varchar, f boolean, n varchar, t varchar, l varchar, a varchar, d varchar, s varchar,
           eo date, sc date, b text, u timestamptz, h varchar, li integer, nk varchar, g text[])
  ON CONFLICT (credit_code) DO UPDATE SET
    credit_code_check_failed = excluded.credit_code_check_failed, name = excluded.name,
    entity_type = excluded.entity_type, legal_representative = excluded.legal_representative,
    registered_address = excluded.registered_address, division_code = excluded.division_code,
    status = excluded.status, established_on = excluded.established_on,
    status_changed_on = excluded.status_changed_on, business_scope = excluded.business_scope,
    source_updated_at = excluded.source_updated_at, content_hash = excluded.content_hash,
    import_id = excluded.import_id, import_line = excluded.import_line, updated_at = excluded.updated_at,
    name_key = excluded.name_key, name_grams = excluded.name_grams,
    change_seq = nextval('registry_entity_change_seq')
  WHERE e.content_hash <> excluded.content_hash AND e.source_updated_at <= excluded.source_updated_at
  RETURNING credit_code, (xmax = 0) AS inserted`;

/**
 * Before the batch is written: a record the register holds already, sent again with a newer
 * updatedAt, has nothing to write but its time, which must move on (or a version older than it,
 * yet newer than the time held, would later replace it); and the records that differ from the
 * one held but are older than it are counted (they are not applied).
 */
const ADVANCE = `
  WITH r AS (SELECT c, h, u FROM json_to_recordset($1::json) AS r(c varchar, h varchar, u timestamptz)),
    advanced AS (
      UPDATE registry_entity AS e SET source_updated_at = r.u FROM r
       WHERE e.credit_code = r.c AND e.content_hash = r.h AND e.source_updated_at < r.u
      RETURNING 1)
  SELECT count(*)::int AS older FROM registry_entity e JOIN r ON e.credit_code = r.c
   WHERE e.content_hash <> r.h AND e.source_updated_at > r.u`;

/** The node's own register of market entities. */
@Injectable()
export class MarketEntityRepository {
  /** Writes a batch in the caller's transaction; returns which credit codes were new and which changed. */
  async upsertBatch(
    manager: EntityManager,
    importId: string,
    lines: readonly CheckedLine<MarketEntityRecord>[],
  ): Promise<WrittenBatch> {
    const batch = JSON.stringify(
      lines.map(({ line, record: r }) => ({
        c: r.creditCode,
        f: r.creditCodeCheckFailed,
        n: r.name,
        t: r.entityType,
        l: r.legalRepresentative,
        a: r.registeredAddress,
        d: r.divisionCode,
        s: r.status,
        eo: r.establishedOn,
        sc: r.statusChangedOn,
        b: r.businessScope,
        u: r.sourceUpdatedAt,
        h: r.contentHash,
        li: line,
        nk: r.nameKey,
        g: r.nameGrams,
      })),
    );
    // Feed positions in commit order, as for the shop feed (several imports may run at once);
    // taken before any row is, so that two imports never wait for each other both ways.
    await lockFeed(manager, 'register');
    const [{ older }] = (await manager.query(ADVANCE, [batch])) as [{ older: number }];
    const rows: { credit_code: string; inserted: boolean }[] = await manager.query(UPSERT, [batch, importId]);
    const accepted = new Set<string>();
    const updated = new Set<string>();
    for (const row of rows) (row.inserted ? accepted : updated).add(row.credit_code);
    return { accepted, updated, older };
  }
}
