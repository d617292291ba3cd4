import { OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBase64,
  IsBoolean,
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  AssistContentDto,
  ClueContentDto,
  FileReferenceDto,
  MAX_FILE_BYTES,
  MAX_STEP_FILES,
  REGION,
  RestrictionsDto,
} from './case-content.dto';
import { CaseStepDto } from './case-request.dto';
import { IsCalendarDay } from '@regulink/domain';
import { Chars } from '@regulink/protocol';

class TransferredFromDto {
  @Matches(REGION)
  region!: string;

  @IsUUID()
  caseId!: string;
}

/** What every send carries besides its content. */
class SendBody {
  @IsUUID()
  caseId!: string;

  /** The day it was sent, in China. */
  @IsCalendarDay()
  on!: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RestrictionsDto)
  restrictions!: RestrictionsDto;

  /** Why the sender chose this region (basis, evidence, override reason). */
  @IsObject()
  jurisdiction!: Record<string, unknown>;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TransferredFromDto)
  transferredFrom?: TransferredFromDto;

  @IsArray()
  @ArrayMaxSize(MAX_STEP_FILES)
  @ValidateNested({ each: true })
  @Type(() => FileReferenceDto)
  files!: FileReferenceDto[];
}

/** `clue.send`: a new clue for the receiver's region. */
export class ClueSendBody extends SendBody {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ClueContentDto)
  content!: ClueContentDto;
}

/** `assist.send`: a new assistance request. */
export class AssistSendBody extends SendBody {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AssistContentDto)
  content!: AssistContentDto;
}

/** The step as it crosses: the action's fields without uploads (files are named in `files`). */
export class StepActionBody extends OmitType(CaseStepDto, ['evidence', 'uploads'] as const) {}

/** `<kind>.step` and `<kind>.reply`: the next step of a case, numbered. */
export class CaseStepBody {
  @IsUUID()
  caseId!: string;

  @IsInt()
  @Min(2)
  @Max(10_000)
  seq!: number;

  @IsCalendarDay()
  on!: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => StepActionBody)
  action!: StepActionBody;

  @IsArray()
  @ArrayMaxSize(MAX_STEP_FILES)
  @ValidateNested({ each: true })
  @Type(() => FileReferenceDto)
  files!: FileReferenceDto[];
}

/** `<kind>.file` / `<kind>.reply-file`: a piece of an evidence file the other side announced. */
export class FilePullBody {
  @IsUUID()
  caseId!: string;

  @Matches(/^[0-9a-f]{64}$/)
  sha256!: string;

  @IsInt()
  @Min(0)
  @Max(MAX_FILE_BYTES)
  offset!: number;
}

/** The answer to a file pull: the piece at the offset asked for, or that the file is not given. */
export class FilePieceResult {
  @IsBoolean()
  found!: boolean;

  @ValidateIf((piece: FilePieceResult) => piece.found === true)
  @IsInt()
  @Min(0)
  size?: number;

  @ValidateIf((piece: FilePieceResult) => piece.found === true)
  @IsInt()
  @Min(0)
  offset?: number;

  @ValidateIf((piece: FilePieceResult) => piece.found === true)
  @IsBase64()
  data?: string;
}

class OnwardStepBody {
  @IsInt()
  @Min(1)
  @Max(10_000)
  seq!: number;

  @IsString()
  @Chars(1, 32)
  action!: string;

  @IsCalendarDay()
  on!: string;

  @IsString()
  @Chars(1, 65_536)
  envelope!: string;
}

class OnwardCaseBody {
  @IsUUID()
  caseId!: string;

  @Matches(REGION)
  region!: string;

  @IsString()
  @Chars(1, 32)
  state!: string;

  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => OnwardStepBody)
  steps!: OnwardStepBody[];
}

/** `clue.onward`: the transferring region relays the competent region's steps to the first sender. */
export class OnwardBody {
  @IsUUID()
  caseId!: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => OnwardCaseBody)
  onward!: OnwardCaseBody;
}
