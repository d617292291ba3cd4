import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsCalendarDay } from '@regulink/domain';
import { AGREEMENT_SCOPES, Chars } from '@regulink/protocol';

const REGION = /^\d{6}$/;

export class ScopeGrantDto {
  @ApiProperty({ enum: AGREEMENT_SCOPES, example: 'shop.sync' })
  @IsIn(AGREEMENT_SCOPES)
  scope!: (typeof AGREEMENT_SCOPES)[number];

  @ApiProperty({ example: '330000', description: 'region the messages of this scope come from' })
  @Matches(REGION, { message: 'from must be a six-digit region code' })
  from!: string;

  @ApiProperty({ example: '370000', description: 'region they go to' })
  @Matches(REGION, { message: 'to must be a six-digit region code' })
  to!: string;

  @ApiPropertyOptional({
    example: 50000,
    description: 'messages per day (China time) in this direction; none if absent',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  dailyQuota?: number | null;

  @ApiPropertyOptional({
    enum: ['two-step'],
    description:
      'entity.resolve only: answer a lookup with hit or no hit and a reference first, the record only when asked by that reference',
  })
  @IsOptional()
  @IsIn(['two-step'])
  disclosure?: 'two-step';
}

export class DeadlinesDto {
  @ApiProperty({ example: 15 })
  @IsInt()
  @Min(1)
  @Max(60)
  clueWorkingDays!: number;

  @ApiProperty({ example: 15 })
  @IsInt()
  @Min(1)
  @Max(60)
  assistWorkingDays!: number;
}

export class AgreementDraftDto {
  @ApiProperty({ example: 'Zhejiang–Shandong online shop landing' })
  @IsString()
  @Chars(1, 200)
  title!: string;

  @ApiProperty({ example: ['370000'], description: 'the other parties (imported peers)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(40)
  @Matches(REGION, { each: true, message: 'each partner must be a six-digit region code' })
  partners!: string[];

  @ApiProperty({ type: [ScopeGrantDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ScopeGrantDto)
  scopes!: ScopeGrantDto[];

  @ApiPropertyOptional({
    example: { personName: 'mask', residentId: 'hash', phone: 'omit' },
    description:
      'per personal field (residentId, personName, phone, address, email): clear, mask, hash or omit; unlisted fields are omitted',
  })
  @IsOptional()
  @IsObject()
  fieldPolicy?: Record<string, string>;

  @ApiProperty({ example: '2026-12-01' })
  @IsCalendarDay()
  validFrom!: string;

  @ApiProperty({ example: '2027-11-30' })
  @IsCalendarDay()
  validUntil!: string;

  @ApiPropertyOptional({ type: DeadlinesDto, description: 'defaults: 15 and 15 working days' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DeadlinesDto)
  deadlines?: DeadlinesDto;
}

export class AgreementRenewDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Chars(1, 200)
  title?: string;

  @ApiPropertyOptional({ type: [ScopeGrantDto] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ScopeGrantDto)
  scopes?: ScopeGrantDto[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject()
  fieldPolicy?: Record<string, string>;

  @ApiPropertyOptional({ description: 'defaults to today' })
  @IsOptional()
  @IsCalendarDay()
  validFrom?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsCalendarDay()
  validUntil?: string;

  @ApiPropertyOptional({ type: DeadlinesDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DeadlinesDto)
  deadlines?: DeadlinesDto;
}

export class AgreementReasonDto {
  @ApiPropertyOptional({ example: 'partner node compromised' })
  @IsOptional()
  @IsString()
  @Chars(1, 500)
  reason?: string;
}

export class AgreementIdParamDto {
  @IsUUID()
  id!: string;
}
