import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Role, Roles, type AuthenticatedUser } from '@regulink/access';
import type { AgreementEntity } from './agreement.entity';
import { AgreementsService, type AgreementStep } from './agreements.service';
import {
  AgreementDraftDto,
  AgreementIdParamDto,
  AgreementReasonDto,
  AgreementRenewDto,
} from './dto/agreement.dto';

const DEFAULT_DEADLINES = { clueWorkingDays: 15, assistWorkingDays: 15 };

/** Administrators negotiate and manage the node's cooperation agreements. */
@ApiTags('agreements')
@ApiBearerAuth()
@Controller('agreements')
@Roles(Role.Admin)
export class AgreementsController {
  constructor(private readonly agreements: AgreementsService) {}

  /** A new draft with partners, scopes, field policy, dates and deadlines; nothing is sent yet. */
  @Post()
  async draft(@Body() body: AgreementDraftDto, @CurrentUser() user: AuthenticatedUser) {
    const draft = await this.agreements.draft(
      {
        title: body.title,
        partners: body.partners,
        scopes: body.scopes.map((g) => ({ ...g, dailyQuota: g.dailyQuota ?? null })),
        fieldPolicy: body.fieldPolicy ?? {},
        validFrom: body.validFrom,
        validUntil: body.validUntil,
        deadlines: body.deadlines ?? DEFAULT_DEADLINES,
      },
      user.username,
    );
    return this.view(draft);
  }

  @Get()
  async list() {
    return Promise.all((await this.agreements.list()).map((a) => this.view(a, false)));
  }

  /** One agreement: terms, state, the document with its verified signers, and its trail. */
  @Get(':id')
  async get(@Param() { id }: AgreementIdParamDto) {
    return this.view(await this.agreements.require(id));
  }

  @Post(':id/propose')
  @HttpCode(200)
  async propose(@Param() { id }: AgreementIdParamDto, @CurrentUser() user: AuthenticatedUser) {
    return this.view(await this.agreements.propose(id, user.username));
  }

  @Post(':id/countersign')
  @HttpCode(200)
  async countersign(@Param() { id }: AgreementIdParamDto, @CurrentUser() user: AuthenticatedUser) {
    return this.view(await this.agreements.countersign(id, user.username));
  }

  @Post(':id/decline')
  @HttpCode(200)
  decline(
    @Param() p: AgreementIdParamDto,
    @Body() b: AgreementReasonDto,
    @CurrentUser() u: AuthenticatedUser,
  ) {
    return this.step(p.id, 'decline', b, u);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  suspend(
    @Param() p: AgreementIdParamDto,
    @Body() b: AgreementReasonDto,
    @CurrentUser() u: AuthenticatedUser,
  ) {
    return this.step(p.id, 'suspend', b, u);
  }

  @Post(':id/resume')
  @HttpCode(200)
  resume(
    @Param() p: AgreementIdParamDto,
    @Body() b: AgreementReasonDto,
    @CurrentUser() u: AuthenticatedUser,
  ) {
    return this.step(p.id, 'resume', b, u);
  }

  /** Effective at once here; the other parties apply it when the signed revocation reaches them. */
  @Post(':id/revoke')
  @HttpCode(200)
  revoke(
    @Param() p: AgreementIdParamDto,
    @Body() b: AgreementReasonDto,
    @CurrentUser() u: AuthenticatedUser,
  ) {
    return this.step(p.id, 'revoke', b, u);
  }

  /** A new version as a draft; it supersedes this one when every party has signed it. */
  @Post(':id/renew')
  async renew(
    @Param() { id }: AgreementIdParamDto,
    @Body() body: AgreementRenewDto,
    @CurrentUser() user: AuthenticatedUser,
  ) {
    const { scopes, ...rest } = body;
    const changes = scopes
      ? { ...rest, scopes: scopes.map((g) => ({ ...g, dailyQuota: g.dailyQuota ?? null })) }
      : rest;
    return this.view(await this.agreements.renew(id, changes, user.username));
  }

  private async step(id: string, step: AgreementStep, body: AgreementReasonDto, user: AuthenticatedUser) {
    return this.view(await this.agreements.act(id, step, body.reason ?? null, user.username));
  }

  private async view(agreement: AgreementEntity, full = true) {
    const { terms } = agreement;
    const summary = {
      id: agreement.id,
      state: agreement.state,
      title: terms.title,
      parties: terms.parties,
      proposedBy: terms.proposedBy,
      validFrom: terms.validFrom,
      validUntil: terms.validUntil,
      supersedes: terms.supersedes,
      suspendedBy: [...agreement.suspendedBy].sort(),
      signers: await this.agreements.signers(agreement),
      updatedAt: agreement.updatedAt.toISOString(),
    };
    if (!full) return summary;
    const history = await this.agreements.history(agreement.id);
    return {
      ...summary,
      scopes: terms.scopes,
      fieldPolicy: terms.fieldPolicy,
      deadlines: terms.deadlines,
      keys: terms.keys,
      document: agreement.document,
      history: history.map((e) => ({
        action: e.action,
        region: e.region,
        actor: e.actor,
        reason: e.reason,
        noEffect: e.noEffect,
        messageId: e.messageId,
        at: e.at.toISOString(),
      })),
    };
  }
}
