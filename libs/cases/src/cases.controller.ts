import {
  Body,
  Controller,
  Get,
  Header,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { IsUUID, Matches } from 'class-validator';
import { CurrentUser, Role, Roles, type AuthenticatedUser } from '@regulink/access';
import { CasesErrorCode, CasesException } from './cases.exception';
import { CasesService } from './cases.service';
import {
  AssistCreateDto,
  CaseFiguresQueryDto,
  CaseListQueryDto,
  CaseStepDto,
  ClueCreateDto,
  EvidenceUploadQueryDto,
} from './dto/case-request.dto';

/** The route parameters of one evidence file: its case and its SHA-256 (hex). */
export class FileParamsDto {
  @IsUUID()
  id!: string;

  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lower-case hex digits' })
  sha256!: string;
}

/** Clues and assistance requests between regions: send, act, list, and the figures. */
@ApiTags('cases')
@ApiBearerAuth()
@Controller('cases')
export class CasesController {
  constructor(private readonly cases: CasesService) {}

  /** A clue, sent at once to the region where the seller operates (or `to`, with a reason). */
  @Post('clues')
  @Roles(Role.Officer)
  createClue(@CurrentUser() user: AuthenticatedUser, @Body() body: ClueCreateDto) {
    return this.cases.createClue(user, body);
  }

  /** An assistance request, sent at once to the home region of the entity it is about. */
  @Post('assists')
  @Roles(Role.Officer)
  createAssist(@CurrentUser() user: AuthenticatedUser, @Body() body: AssistCreateDto) {
    return this.cases.createAssist(user, body);
  }

  /**
   * An evidence file, sent as the raw body (`application/octet-stream`, at most 8 MiB), kept to be
   * attached by its SHA-256 (`uploads`) to a new case or a step.
   */
  @Post('evidence')
  @Roles(Role.Officer)
  @ApiConsumes('application/octet-stream')
  async upload(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: EvidenceUploadQueryDto,
    @Req() request: { body?: unknown; headers: Record<string, string | string[] | undefined> },
    @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown },
  ) {
    try {
      const body = request.body as AsyncIterable<Uint8Array> | undefined;
      const type = String(request.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      if (type !== 'application/octet-stream' || !body || typeof body[Symbol.asyncIterator] !== 'function')
        throw new CasesException(CasesErrorCode.EvidenceInvalid, 'send the file as application/octet-stream');
      return await this.cases.upload(user, query.name, query.mediaType ?? 'application/octet-stream', body);
    } catch (error) {
      // The rest of the file is not read: the connection closes after the answer, or a client
      // sending its next request on it would wait for an answer that never comes.
      reply.header('connection', 'close');
      throw error;
    }
  }

  /** The inbox or outbox, filtered; `due=overdue|due-soon` gives the deadline lists. */
  @Get()
  @Roles(Role.Officer)
  list(@Query() query: CaseListQueryDto) {
    return this.cases.list(query);
  }

  /**
   * Per agreement and direction: cases sent and received, how far they got, rates, median days,
   * overdue. Counts only, no case: administrators, who manage the agreements, see them too.
   */
  @Get('figures')
  @Roles(Role.Officer, Role.Admin)
  figures(@Query() query: CaseFiguresQueryDto) {
    return this.cases.figures(query);
  }

  /** One case with its whole history: every step's signed envelope and whether it verifies. */
  @Get(':id')
  @Roles(Role.Officer)
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.cases.view(id);
  }

  /** The next step of a case, on this node's side; sent to the other side signed. */
  @Post(':id/steps')
  @Roles(Role.Officer)
  act(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: CaseStepDto,
  ) {
    return this.cases.act(user, id, body);
  }

  /** One evidence file of a case, as its digest names it. */
  @Get(':id/files/:sha256')
  @Roles(Role.Officer)
  @Header('Content-Type', 'application/octet-stream')
  async file(@Param() params: FileParamsDto) {
    const file = await this.cases.file(params.id, params.sha256);
    return new StreamableFile(file.content, {
      type: file.mediaType,
      disposition: `attachment; filename="${encodeURIComponent(file.name)}"`,
    });
  }
}
