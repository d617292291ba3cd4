import { ApiProperty } from '@nestjs/swagger';

export class PeerResponseDto {
  @ApiProperty({ example: '370000' }) region!: string;
  @ApiProperty() name!: string;
  @ApiProperty() apiEndpoint!: string;
  @ApiProperty({ example: 'tcp://gw.sd.example:7080' }) federationEndpoint!: string;
  @ApiProperty({ type: [String] }) pinnedKids!: string[];
  @ApiProperty({
    description:
      'When the peer retired each key it has retired (kid → time), as its cards said: it signs nothing dated later',
  })
  retiredKids!: Record<string, string>;
  @ApiProperty() allowed!: boolean;
  @ApiProperty({ format: 'date-time' }) importedAt!: string;
  @ApiProperty() importedBy!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}
