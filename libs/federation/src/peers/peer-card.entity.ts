import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Every node card pinned for a peer, kept when a later one replaces it: evidence of what the peer
 * signed under an earlier card (keys it no longer lists, after a reinstall) still carries a card
 * that names the key.
 */
@Entity({ name: 'federation_peer_card' })
export class PeerCardEntity {
  @PrimaryColumn({ type: 'varchar', length: 6, primaryKeyConstraintName: 'PK_federation_peer_card' })
  region!: string;

  /** SHA-256 of the card's JWS, base64url. */
  @PrimaryColumn({ type: 'varchar', length: 43, primaryKeyConstraintName: 'PK_federation_peer_card' })
  digest!: string;

  @Column({ name: 'card_jws', type: 'text' })
  cardJws!: string;

  /** When it was first pinned here. */
  @Column({ name: 'pinned_at', type: 'timestamptz' })
  pinnedAt!: Date;
}
