import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CaseFileEntity } from './case-file.entity';
import { CaseStepEntity } from './case-step.entity';
import { CaseUploadEntity } from './case-upload.entity';
import { CaseEntity, type OnwardCase } from './case.entity';

/** What the lists filter on; every field narrows. */
export interface CaseFilter {
  readonly role: 'sender' | 'receiver';
  readonly kind?: string;
  readonly state?: string;
  readonly peerRegion?: string;
  readonly brand?: string;
  /** Due on or before this day. */
  readonly dueOnOrBefore?: string;
  /** Due strictly before this day. */
  readonly dueBefore?: string;
  /** Due on or after this day. */
  readonly dueFrom?: string;
  readonly limit: number;
}

/** A file of a case as listed (without its content). */
export type CaseFileInfo = Omit<CaseFileEntity, 'content'>;

/** The figures of one agreement and direction over a period. */
export interface CaseFigureRow {
  readonly agreementId: string;
  readonly kind: string;
  readonly role: string;
  readonly peerRegion: string;
  readonly sent: number;
  readonly received: number;
  readonly accepted: number;
  readonly returned: number;
  readonly transferred: number;
  readonly filed: number;
  readonly answered: number;
  readonly closed: number;
  readonly overdue: number;
  /** Median calendar days from the send to each step, over the cases that reached it. */
  readonly medianDays: Record<string, number | null>;
}

/** The steps whose time from the send the figures give. */
const MEASURED_STEPS = ['receive', 'accept', 'start-check', 'file', 'not-file', 'result', 'answer', 'close'];

/** The columns of a file's description (not its content). */
const FILE_INFO = { caseId: true, sha256: true, name: true, mediaType: true, size: true, seq: true } as const;

@Injectable()
export class CasesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(
    manager: EntityManager,
    item: CaseEntity,
    steps: readonly CaseStepEntity[],
    files: readonly CaseFileEntity[],
  ): Promise<void> {
    await manager.insert(CaseEntity, item as QueryDeepPartialEntity<CaseEntity>);
    await this.addSteps(manager, steps, files);
  }

  async addSteps(
    manager: EntityManager,
    steps: readonly CaseStepEntity[],
    files: readonly CaseFileEntity[],
  ): Promise<void> {
    if (steps.length > 0)
      await manager.insert(CaseStepEntity, [...steps] as QueryDeepPartialEntity<CaseStepEntity>[]);
    // A file already held for the case (announced again by a later step) is kept once.
    if (files.length > 0)
      await manager
        .createQueryBuilder()
        .insert()
        .into(CaseFileEntity)
        .values([...files])
        .orIgnore()
        .execute();
  }

  /** The case, locked against concurrent steps until the transaction ends. */
  lock(manager: EntityManager, id: string): Promise<CaseEntity | null> {
    return manager
      .getRepository(CaseEntity)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.id = :id', { id })
      .getOne();
  }

  async update(manager: EntityManager, item: CaseEntity): Promise<void> {
    await manager.update(
      CaseEntity,
      { id: item.id },
      {
        state: item.state,
        seq: item.seq,
        facts: item.facts as QueryDeepPartialEntity<CaseEntity>['facts'],
        receivedOn: item.receivedOn,
        dueOn: item.dueOn,
        updatedAt: item.updatedAt,
      },
    );
  }

  async setOnward(manager: EntityManager, id: string, onward: OnwardCase): Promise<void> {
    await manager.query('UPDATE case_item SET onward = $2, updated_at = now() WHERE id = $1', [id, onward]);
  }

  /** A step that arrived ahead of its turn, waiting for the one before it. */
  pending(manager: EntityManager, caseId: string, seq: number): Promise<CaseStepEntity | null> {
    return manager.findOne(CaseStepEntity, { where: { caseId, seq, status: 'pending' } });
  }

  async markApplied(manager: EntityManager, caseId: string, seq: number): Promise<void> {
    await manager.update(CaseStepEntity, { caseId, seq }, { status: 'applied' });
  }

  stepAt(manager: EntityManager, caseId: string, seq: number): Promise<CaseStepEntity | null> {
    return manager.findOne(CaseStepEntity, { where: { caseId, seq } });
  }

  /** The cases with a due date running (overdue ones too). */
  runningDeadlines(): Promise<CaseEntity[]> {
    return this.dataSource
      .getRepository(CaseEntity)
      .createQueryBuilder('c')
      .where('c.due_on IS NOT NULL')
      .getMany();
  }

  /** Sets a case's due date if it is still `was` (a step taken meanwhile set its own); true when set. */
  async moveDueOn(id: string, was: string | null, dueOn: string | null): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(
      'UPDATE case_item SET due_on = $3 WHERE id = $1 AND due_on IS NOT DISTINCT FROM $2::date',
      [id, was, dueOn],
    )) as [unknown, number];
    return affected > 0;
  }

  /** The case `user` created with the request id `requestId`, if any. */
  byRequest(user: string, requestId: string): Promise<CaseEntity | null> {
    return this.dataSource.getRepository(CaseEntity).findOne({ where: { createdBy: user, requestId } });
  }

  find(id: string): Promise<CaseEntity | null> {
    return this.dataSource.getRepository(CaseEntity).findOne({ where: { id } });
  }

  /**
   * A case with its steps and files as of one moment (one repeatable-read snapshot): a step
   * applied meanwhile is either in all three or in none.
   */
  snapshot(id: string): Promise<{ item: CaseEntity | null; steps: CaseStepEntity[]; files: CaseFileInfo[] }> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const item = await manager.findOne(CaseEntity, { where: { id } });
      if (!item) return { item, steps: [], files: [] };
      const steps = await manager.find(CaseStepEntity, { where: { caseId: id }, order: { seq: 'ASC' } });
      const files = await manager.find(CaseFileEntity, {
        select: FILE_INFO,
        where: { caseId: id },
        order: { seq: 'ASC', name: 'ASC' },
      });
      return { item, steps, files };
    });
  }

  /** The files of a case announced by the steps `seqs` (to hand them on with a transfer). */
  async filesOf(caseId: string): Promise<CaseFileEntity[]> {
    return this.dataSource.getRepository(CaseFileEntity).find({ where: { caseId }, order: { seq: 'ASC' } });
  }

  async content(caseId: string, sha256: string): Promise<CaseFileEntity | null> {
    return this.dataSource.getRepository(CaseFileEntity).findOne({ where: { caseId, sha256 } });
  }

  /**
   * `length` bytes of a case's file from `offset`, for the case's other side only: a region that
   * is not party to the case gets nothing, as if the file did not exist.
   */
  async chunk(
    caseId: string,
    sha256: string,
    peerRegion: string,
    offset: number,
    length: number,
  ): Promise<{ size: number; data: Buffer } | null> {
    const rows: { size: number; data: Buffer }[] = await this.dataSource.query(
      `SELECT f.size, substring(f.content FROM $4::int + 1 FOR $5::int) AS data
         FROM case_file f JOIN case_item c ON c.id = f.case_id
        WHERE f.case_id = $1 AND f.sha256 = $2 AND c.peer_region = $3`,
      [caseId, sha256, peerRegion, offset, length],
    );
    return rows[0] ?? null;
  }

  /** Keeps an upload; the same file uploaded again by the same officer replaces its name and type. */
  async saveUpload(upload: CaseUploadEntity): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(CaseUploadEntity)
      .values(upload)
      .orUpdate(['name', 'media_type', 'uploaded_at'], ['uploaded_by', 'sha256'])
      .execute();
  }

  uploadsOf(uploadedBy: string, sha256s: readonly string[]): Promise<CaseUploadEntity[]> {
    return this.dataSource
      .getRepository(CaseUploadEntity)
      .createQueryBuilder('u')
      .where('u.uploaded_by = :uploadedBy AND u.sha256 IN (:...sha256s)', { uploadedBy, sha256s })
      .getMany();
  }

  list(filter: CaseFilter): Promise<CaseEntity[]> {
    const query = this.dataSource
      .getRepository(CaseEntity)
      .createQueryBuilder('c')
      .where('c.role = :role', { role: filter.role });
    if (filter.kind) query.andWhere('c.kind = :kind', { kind: filter.kind });
    if (filter.state) query.andWhere('c.state = :state', { state: filter.state });
    if (filter.peerRegion) query.andWhere('c.peer_region = :peer', { peer: filter.peerRegion });
    if (filter.brand) query.andWhere('c.brand = :brand', { brand: filter.brand });
    if (filter.dueOnOrBefore) query.andWhere('c.due_on <= :onOrBefore', { onOrBefore: filter.dueOnOrBefore });
    if (filter.dueBefore) query.andWhere('c.due_on < :before', { before: filter.dueBefore });
    if (filter.dueFrom) query.andWhere('c.due_on >= :from', { from: filter.dueFrom });
    return query
      .orderBy('c.due_on', 'ASC', 'NULLS LAST')
      .addOrderBy('c.created_at', 'DESC')
      .limit(filter.limit)
      .getMany();
  }

  /**
   * Per agreement, kind and direction, the cases sent in [from, to]: how many reached each step,
   * how many are overdue on `asOf`, and the median days from the send to each step.
   */
  async figures(from: string, to: string, asOf: string): Promise<CaseFigureRow[]> {
    const rows: (Omit<CaseFigureRow, 'medianDays'> & { medians: Record<string, number | null> | null })[] =
      await this.dataSource.query(
        `WITH cases AS (
           SELECT c.id, c.agreement_id, c.kind, c.role, c.peer_region, c.due_on, s.on AS sent_on
             FROM case_item c JOIN case_step s ON s.case_id = c.id AND s.seq = 1
            WHERE s.on BETWEEN $1::date AND $2::date),
         reached AS (
           SELECT c.id, s.action, min(s.on - c.sent_on) AS days
             FROM cases c JOIN case_step s ON s.case_id = c.id AND s.status = 'applied'
            GROUP BY c.id, s.action),
         medians AS (
           SELECT c.agreement_id, c.kind, c.role, c.peer_region, r.action,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY r.days) AS median
             FROM cases c JOIN reached r ON r.id = c.id
            WHERE r.action = ANY($4::text[])
            GROUP BY 1, 2, 3, 4, 5)
         SELECT c.agreement_id AS "agreementId", c.kind, c.role, c.peer_region AS "peerRegion",
                count(*)::int AS sent,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reached r WHERE r.id = c.id AND r.action = 'receive'))::int AS received,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reached r WHERE r.id = c.id AND r.action = 'accept'))::int AS accepted,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reached r WHERE r.id = c.id AND r.action = 'return'))::int AS returned,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reached r WHERE r.id = c.id AND r.action = 'transfer'))::int AS transferred,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reached r WHERE r.id = c.id AND r.action = 'file'))::int AS filed,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reached r WHERE r.id = c.id AND r.action = 'answer'))::int AS answered,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reached r WHERE r.id = c.id AND r.action = 'close'))::int AS closed,
                count(*) FILTER (WHERE c.due_on < $3::date)::int AS overdue,
                (SELECT jsonb_object_agg(m.action, m.median) FROM medians m
                  WHERE m.agreement_id = c.agreement_id AND m.kind = c.kind AND m.role = c.role
                    AND m.peer_region = c.peer_region) AS medians
           FROM cases c
          GROUP BY c.agreement_id, c.kind, c.role, c.peer_region
          ORDER BY c.kind, c.role, c.peer_region`,
        [from, to, asOf, MEASURED_STEPS],
      );
    return rows.map(({ medians, ...row }) => ({
      ...row,
      medianDays: Object.fromEntries(MEASURED_STEPS.map((step) => [step, medians?.[step] ?? null])),
    }));
  }
}
