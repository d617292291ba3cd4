import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Role, Roles, type AuthenticatedUser } from '@regulink/access';
import { RegisterImportTarget } from '../register/register-import.target';
import { RegistryErrorCode, RegistryException } from '../registry.exception';
import { ShopReportImportTarget } from '../shops/shop-report-import.target';
import {
  ImportIdParamDto,
  ImportListQueryDto,
  ImportRejectionsQueryDto,
  ImportStartQueryDto,
} from './dto/import.dto';
import { ImportRunner, REPORT_REJECTIONS } from './import-runner.service';
import type { ImportTarget } from './import-target';
import type { ImportFormat } from './record-reader';

/** The raw request as the streaming content types leave it: the body is the unread upload. */
interface UploadRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

interface UploadReply {
  header(name: string, value: string): unknown;
}

/**
 * The upload's bytes; fails when the connection closed before the whole body came (the stream
 * ends short, or errs as the client goes: "aborted", ECONNRESET).
 */
async function* wholeUpload(body: AsyncIterable<Uint8Array> & { complete?: boolean }) {
  const incomplete = () =>
    new RegistryException(
      RegistryErrorCode.UploadIncomplete,
      'the upload ended before the file did; send the file again with ?resume=<import id>',
    );
  try {
    yield* body;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || body.complete === false) {
      throw incomplete();
    }
    throw error;
  }
  if (body.complete === false) throw incomplete();
}

const FORMATS: Record<string, ImportFormat> = { 'text/csv': 'csv', 'application/x-ndjson': 'ndjson' };

/**
 * Bulk imports: a provincial system streams its file (CSV or NDJSON, any size) and gets the
 * report when it is read; an import's progress and rejected lines can be read meanwhile.
 */
@ApiTags('registry')
@ApiBearerAuth()
@Controller('registry/imports')
export class ImportsController {
  constructor(
    private readonly runner: ImportRunner,
    private readonly register: RegisterImportTarget,
    private readonly shops: ShopReportImportTarget,
  ) {}

  /** Imports the entity register (full load or update); `?resume=<id>` goes on with an interrupted import of the same file. */
  @Post('entities')
  @Roles(Role.System)
  @ApiConsumes('text/csv', 'application/x-ndjson')
  importEntities(
    @Req() request: UploadRequest,
    @Query() query: ImportStartQueryDto,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) reply: UploadReply,
  ) {
    return this.importFile(this.register, request, query, user, reply);
  }

  /** Imports a platform's half-yearly report of its sellers' shops; `?resume=<id>` as for entities. */
  @Post('shops')
  @Roles(Role.System)
  @ApiConsumes('text/csv', 'application/x-ndjson')
  importShops(
    @Req() request: UploadRequest,
    @Query() query: ImportStartQueryDto,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) reply: UploadReply,
  ) {
    return this.importFile(this.shops, request, query, user, reply);
  }

  /** The most recent imports, newest first (`?kind=entities|shops`, `?state=`, `?limit=`, 100 by default). */
  @Get()
  @Roles(Role.System, Role.Admin)
  recent(@Query() query: ImportListQueryDto) {
    return this.runner.recent(query.kind, query.state, query.limit ?? 100);
  }

  /** An import's state and counters, also while it runs. */
  @Get(':id')
  @Roles(Role.System, Role.Admin)
  report(@Param() { id }: ImportIdParamDto) {
    return this.runner.report(id);
  }

  /** Rejected lines, in line order, `lines` lines after `afterLine`. */
  @Get(':id/rejections')
  @Roles(Role.System, Role.Admin)
  rejections(@Param() { id }: ImportIdParamDto, @Query() query: ImportRejectionsQueryDto) {
    return this.runner.rejections(id, query.afterLine ?? 0, query.lines ?? REPORT_REJECTIONS);
  }

  private async importFile<R>(
    target: ImportTarget<R>,
    request: UploadRequest,
    query: ImportStartQueryDto,
    user: AuthenticatedUser,
    reply: UploadReply,
  ) {
    const [type = '', ...parameters] = String(request.headers['content-type'] ?? '').split(';');
    const contentType = type.trim().toLowerCase();
    const format = FORMATS[contentType];
    // A file declared in another encoding is refused before a byte is read: it would be read as UTF-8.
    const charset = parameters
      .map((p) => p.trim().toLowerCase())
      .find((p) => p.startsWith('charset='))
      ?.slice('charset='.length)
      .replace(/^"(.*)"$/, '$1');
    if (format && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new RegistryException(
        RegistryErrorCode.ImportFormatUnsupported,
        `send the file in UTF-8 (got charset=${charset}); convert it first, e.g. iconv -f GB18030 -t UTF-8`,
      );
    }
    const body = request.body as (AsyncIterable<Uint8Array> & { complete?: boolean }) | undefined;
    if (!format || !body || typeof body[Symbol.asyncIterator] !== 'function') {
      throw new RegistryException(
        RegistryErrorCode.ImportFormatUnsupported,
        `send the file as text/csv or application/x-ndjson (got ${contentType || 'no content type'})`,
      );
    }
    let report;
    try {
      if (query.id && query.resume)
        throw new RegistryException(
          RegistryErrorCode.ImportFileInvalid,
          'give either id (a new import) or resume',
        );
      report = await this.runner.run(
        target,
        wholeUpload(body),
        format,
        user.username,
        query.resume,
        query.id,
      );
    } catch (error) {
      // The rest of the upload is not wanted: close the connection after the answer rather than
      // read the file to its end.
      reply.header('connection', 'close');
      throw error;
    }
    // The rejections by field and reason first: a problem of the whole file (dates written
    // another way, say) shows as one group, not as a thousand lines to read through.
    return {
      ...report,
      rejectionGroups: report.rejected > 0 ? await this.runner.rejectionGroups(report.id) : [],
      rejections: await this.runner.rejections(report.id, 0, REPORT_REJECTIONS),
    };
  }
}
