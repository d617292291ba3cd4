import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IntegerText } from '@regulink/protocol';

/** `?limit=`: how many rows a listing answers with at most (1 to 10,000). */
export class LimitQueryDto {
  @IsOptional()
  @IntegerText()
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;
}
