import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString } from 'class-validator';
import { MaxChars } from '@regulink/protocol';

export class PeerImportDto {
  @ApiProperty({
    description: 'The signed node card as published at /.well-known/regulink/node-card: {card, jws}',
  })
  @IsObject()
  card!: Record<string, unknown>;

  @ApiProperty({ description: 'The compact JWS of the card' })
  @IsString()
  @MaxChars(64 * 1024)
  jws!: string;

  @ApiProperty({ required: false, description: 'Put the peer on the allow list at once' })
  @IsOptional()
  @IsBoolean()
  allow?: boolean;
}

export class PeerRepinDto {
  @ApiProperty()
  @IsObject()
  card!: Record<string, unknown>;

  @ApiProperty()
  @IsString()
  @MaxChars(64 * 1024)
  jws!: string;
}

export class PeerAllowDto {
  @ApiProperty()
  @IsBoolean()
  allowed!: boolean;
}
