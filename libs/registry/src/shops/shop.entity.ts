import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ImportedRow } from '../import/imported-row';

/**
 * An in-platform shop (平台内经营者的店铺) as its platform last reported it in the half-yearly
 * report of its sellers, kept at the node of the platform's region. One shop is a platform and a
 * normalized URL, however the URL was written.
 */
@Entity('registry_shop')
export class ShopEntity extends ImportedRow {
  /** The platform's name or code, as it names itself in its reports. */
  @PrimaryColumn('varchar', { length: 64 })
  platform!: string;

  /** The shop URL normalized (`normalizeShopUrl`). */
  @Index('ix_registry_shop_url')
  @PrimaryColumn('varchar', { length: 2000 })
  url!: string;

  /** The shop's identifier on the platform. */
  @Index('ix_registry_shop_shop_id')
  @Column('varchar', { name: 'shop_id', length: 128 })
  shopId!: string;

  @Column('varchar', { name: 'shop_name', length: 200 })
  shopName!: string;

  /** The URL as the platform wrote it. */
  @Column('varchar', { name: 'reported_url', length: 2000 })
  reportedUrl!: string;

  @Column('varchar', { name: 'operator_name', length: 200 })
  operatorName!: string;

  /** A registered seller's unified social credit code, 18 characters, upper case. */
  @Index('ix_registry_shop_operator_credit_code')
  @Column('varchar', { name: 'operator_credit_code', length: 18, nullable: true })
  operatorCreditCode!: string | null;

  /** The credit code's check characters fail, yet it is accepted (some early pilot codes are legal so). */
  @Column('boolean', { name: 'operator_credit_code_check_failed' })
  operatorCreditCodeCheckFailed!: boolean;

  /** The 15-digit registration number (注册号) of an older individual business. */
  @Column('varchar', { name: 'operator_registration_number', length: 15, nullable: true })
  operatorRegistrationNumber!: string | null;

  /**
   * An unregistered seller's resident ID, in clear: it never leaves this node as it is; the
   * agreement's field policy decides what of it is sent (so a received shop may hold it masked,
   * as a keyed hash, or not at all).
   */
  @Column('varchar', { name: 'operator_resident_id', length: 64, nullable: true })
  operatorResidentId!: string | null;

  /** Why an unregistered seller need not register. */
  @Column('varchar', { name: 'exemption_ground', length: 200, nullable: true })
  exemptionGround!: string | null;

  /** Where the seller actually operates (实际经营地): what decides the regulator in charge. */
  @Column('varchar', { name: 'operating_address', length: 300 })
  operatingAddress!: string;

  /** GB/T 2260 division code of the operating address, when the platform gives it. */
  @Column('varchar', { name: 'operating_division_code', length: 6, nullable: true })
  operatingDivisionCode!: string | null;

  @Column('varchar', { length: 100, nullable: true })
  contact!: string | null;

  /** The half-year of the report (`2026-H1`): a report of a later half-year replaces an earlier one. */
  @Column('varchar', { name: 'report_period', length: 7 })
  reportPeriod!: string;

  /**
   * The division where the operator is at home, whose region has jurisdiction: from its credit
   * code or registration number, else its operating division. Null when nothing locates it.
   */
  @Index('ix_registry_shop_home_division')
  @Column('varchar', { name: 'home_division', length: 6, nullable: true })
  homeDivision!: string | null;

  /** What said where the operator is at home: credit-code, registration-number or operating-division. */
  @Column('varchar', { name: 'home_source', length: 24, nullable: true })
  homeSource!: string | null;

  /** For a shop received from the node of its platform's region: that region. Null for shops reported here. */
  @Column('varchar', { length: 6, nullable: true })
  origin!: string | null;

  /**
   * A received shop's record exactly as its sender signed it, and the record's inclusion proof in
   * the batch (the batch is `importId`, the record's index `importLine`): what proves it later.
   */
  @Column('jsonb', { nullable: true })
  record!: Record<string, unknown> | null;

  @Column('jsonb', { nullable: true })
  proof!: string[] | null;

  /** Position in this node's change feed: taken anew each time the shop changes. */
  @Index('ix_registry_shop_change_seq')
  @Column('bigint', { name: 'change_seq', default: () => "nextval('registry_shop_change_seq')" })
  changeSeq!: string;
}
