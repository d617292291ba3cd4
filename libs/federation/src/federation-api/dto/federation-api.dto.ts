import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { Chars } from '@regulink/protocol';

export class PingRequestDto {
  @ApiProperty({ example: '370000' })
  @Matches(/^\d{6}$/, { message: 'to must be a six-digit region code' })
  to!: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @Chars(0, 200)
  note?: string;
}

export class MessageIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('7', { message: 'id must be an envelope id (UUIDv7)' })
  id!: string;
}

export class QueuedResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
}

export class EchoResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() result!: Record<string, unknown>;
  @ApiProperty({
    description: "The peer's signed response (compact JWS); it names the request's digest and is its receipt",
  })
  response!: string;
}

export class AuditProofDto {
  @ApiProperty() index!: number;
  @ApiProperty() kind!: string;
  @ApiProperty({ description: 'The leaf data (canonical JSON) whose RFC 9162 leaf hash is in the tree' })
  data!: string;
  @ApiProperty({ description: 'Tree size the proof is for' }) treeSize!: number;
  @ApiProperty({ type: [String], description: 'Inclusion proof hashes, base64url' }) proof!: string[];
}

export class MessageResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['out', 'in'] }) direction!: 'out' | 'in';
  @ApiProperty() peer!: string;
  @ApiProperty() type!: string;
  @ApiProperty() digest!: string;
  @ApiProperty({ description: 'The envelope (compact JWS)' }) envelope!: string;
  @ApiProperty({ description: 'pending, delivered, rejected, expired (out); accepted (in)' }) status!: string;
  @ApiProperty({ nullable: true, type: String }) receipt!: string | null;
  @ApiProperty({ nullable: true, type: String }) receiptCode!: string | null;
  @ApiProperty({ nullable: true, type: String }) response!: string | null;
  @ApiProperty({ description: 'Signed tree head the proofs are for', nullable: true, type: String })
  treeHead!: string | null;
  @ApiProperty({ type: [AuditProofDto] }) audit!: AuditProofDto[];
}
