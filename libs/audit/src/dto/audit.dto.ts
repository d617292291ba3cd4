import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, Min } from 'class-validator';
import { IntegerText } from '@regulink/protocol';

export class InclusionQueryDto {
  @ApiProperty({ description: 'Leaf index of the entry' })
  @IntegerText()
  @IsInt()
  @Min(0)
  index!: number;

  @ApiProperty({ required: false, description: 'Tree size; the latest signed tree head by default' })
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(1)
  size?: number;
}

export class ConsistencyQueryDto {
  @ApiProperty()
  @IntegerText()
  @IsInt()
  @Min(0)
  from!: number;

  @ApiProperty()
  @IntegerText()
  @IsInt()
  @Min(0)
  to!: number;
}

export class TreeHeadResponseDto {
  @ApiProperty() size!: number;
  @ApiProperty({ description: 'RFC 9162 Merkle tree hash, base64url' }) root!: string;
  @ApiProperty({ description: 'The tree head signed by this node (compact JWS)' }) jws!: string;
}

export class InclusionProofResponseDto {
  @ApiProperty() index!: number;
  @ApiProperty() size!: number;
  @ApiProperty() kind!: string;
  @ApiProperty({ description: 'Leaf data (canonical JSON); its leaf hash is SHA-256(0x00 ‖ data)' })
  data!: string;
  @ApiProperty({ type: [String] }) proof!: string[];
}

export class ConsistencyProofResponseDto {
  @ApiProperty() from!: number;
  @ApiProperty() to!: number;
  @ApiProperty() fromRoot!: string;
  @ApiProperty() toRoot!: string;
  @ApiProperty({ type: [String] }) proof!: string[];
}
