import { ApiProperty } from '@nestjs/swagger';

class PublicJwkDto {
  @ApiProperty({ example: 'OKP' }) kty!: string;
  @ApiProperty({ example: 'Ed25519' }) crv!: string;
  @ApiProperty() x!: string;
  @ApiProperty({ description: 'RFC 7638 SHA-256 thumbprint' }) kid!: string;
  @ApiProperty({ example: 'EdDSA' }) alg!: string;
  @ApiProperty({ example: 'sig' }) use!: string;
}

class NodeCardEndpointsDto {
  @ApiProperty({ example: 'http://127.0.0.1:8080' }) api!: string;
  @ApiProperty({ example: 'tcp://127.0.0.1:7080', required: false }) federation?: string;
}

class NodeCardDto {
  @ApiProperty({ example: 1 }) v!: number;
  @ApiProperty({ example: '330000' }) region!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: NodeCardEndpointsDto }) endpoints!: NodeCardEndpointsDto;
  @ApiProperty({ type: [PublicJwkDto] }) keys!: PublicJwkDto[];
  @ApiProperty() activeKid!: string;
  @ApiProperty({
    required: false,
    description: 'When each retired key stopped signing (kid → time); nothing it signed dated later stands',
    example: { 'old-kid': '2026-12-01T08:00:00.000Z' },
  })
  retired?: Record<string, string>;
  @ApiProperty({ format: 'date-time' }) issuedAt!: string;
}

export class SignedNodeCardResponseDto {
  @ApiProperty({ type: NodeCardDto }) card!: NodeCardDto;
  @ApiProperty({ description: "Compact JWS (EdDSA) whose payload is the card's RFC 8785 canonical JSON" })
  jws!: string;
}

export class JwksResponseDto {
  @ApiProperty({ type: [PublicJwkDto] }) keys!: PublicJwkDto[];
}

export class KeyRotationResponseDto {
  @ApiProperty() activeKid!: string;
  @ApiProperty() retiredKid!: string;
}
