import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PublicSigningJwk } from '@regulink/protocol';

/** Another regional node this node knows, from its imported node card, with the keys pinned for it. */
@Entity({ name: 'federation_peer' })
export class PeerEntity {
  @PrimaryColumn({ type: 'varchar', length: 6 })
  region!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'api_endpoint', type: 'text' })
  apiEndpoint!: string;

  @Column({ name: 'federation_endpoint', type: 'text' })
  federationEndpoint!: string;

  /** The public keys of the imported card; only these verify the peer's signatures. */
  @Column({ name: 'pinned_keys', type: 'jsonb' })
  pinnedKeys!: PublicSigningJwk[];

  /**
   * When the peer retired each of its keys that it has (kid → ISO time), from its cards: a
   * signature by one dated at or after that is not the peer's. Once known, never forgotten.
   */
  @Column({ name: 'retired_keys', type: 'jsonb', default: () => "'{}'" })
  retiredKeys!: Record<string, string>;

  /** The imported card, as signed by the peer. */
  @Column({ name: 'card_jws', type: 'text' })
  cardJws!: string;

  /** Node-level allow list: exchanges with this peer are permitted. */
  @Column({ type: 'boolean', default: false })
  allowed!: boolean;

  @Column({ name: 'imported_at', type: 'timestamptz' })
  importedAt!: Date;

  @Column({ name: 'imported_by', type: 'varchar', length: 64 })
  importedBy!: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
