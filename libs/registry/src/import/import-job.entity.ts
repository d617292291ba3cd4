import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ImportState = 'running' | 'completed' | 'failed' | 'interrupted';

/** One bulk import, with its progress: the counters grow with every committed batch. */
@Entity('registry_import')
export class ImportJobEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** What is imported: `entities` (the register). */
  @Column('varchar', { length: 16 })
  kind!: string;

  /** csv or ndjson. */
  @Column('varchar', { length: 8 })
  format!: string;

  @Column('varchar', { length: 16 })
  state!: ImportState;

  @Column('varchar', { name: 'started_by', length: 128 })
  startedBy!: string;

  @Column('timestamptz', { name: 'started_at' })
  startedAt!: Date;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;

  /**
   * The lease of the upload writing a running job: set when it starts or takes the job over. Every
   * write of that upload is conditional on it, so an upload whose job was taken over writes nothing.
   */
  @Column('uuid', { nullable: true })
  writer!: string | null;

  /**
   * The writer's proof of life, renewed (by the database clock) while it runs: a running job whose
   * heartbeat is older than `IMPORT_STALE_SECONDS` counts as interrupted.
   */
  @Column('timestamptz', { name: 'heartbeat_at', default: () => 'now()' })
  heartbeatAt!: Date;

  /** The last line of the file whose outcome is committed: a resumed import starts after it. */
  @Column('integer', { name: 'last_line' })
  lastLine!: number;

  @Column('integer')
  accepted!: number;

  @Column('integer')
  updated!: number;

  @Column('integer')
  unchanged!: number;

  /** Lines older than the record held (a newer version was imported before): not applied. */
  @Column('integer', { default: 0 })
  older!: number;

  @Column('integer')
  rejected!: number;

  /** Why the import stopped, when it failed. */
  @Column('text', { nullable: true })
  error!: string | null;
}
