import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { DataSource } from 'typeorm';
import type { ConnectorName, RenewalCommand } from '@retain/domain';
import { activeRenewalOnDate, appendAudit, readAccountFacts, renewalOfVendorObject } from '@retain/persistence';
import type { Principal } from '../auth/api-key-store';
import { ApiError, ERROR_CATALOGUE } from '../problems/error-codes';
import { flattenValidationErrors } from '../problems/validation';
import { CreateRenewalDto } from '../renewals/dto/create-renewal.dto';
import { PatchRenewalDto, RecordDecisionDto } from '../renewals/dto/renewal-actions.dto';
import { RenewalActionsService } from '../renewals/renewal-actions.service';
import { RenewalsService } from '../renewals/renewals.service';

/** What a renewal command of a vendor event became: applied to the renewal, or refused with the api's reason. */
export interface RenewalCommandResult {
  state: 'applied' | 'refused';
  reason: string;
  renewalId: string | null;
}

/** Problems a retry may not see again: Temporal down. Everything else is the command's own answer, stored. */
const TRANSIENT = new Set(['DEPENDENCY.UNAVAILABLE']);

/**
 * A CRM connector's renewal commands (docs/decisions/0012): a renewal opportunity created,
 * moved or closed launches, reschedules or decides the account's renewal through the
 * services the REST routes use (`RenewalsService.launch`, `RenewalActionsService.change`,
 * `.decide`), with the REST bodies built and validated by the same DTO rules, as the actor
 * `connector:<name>`; each applied command is written to the audit log.
 */
@Injectable()
export class ConnectorRenewalsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly renewals: RenewalsService,
    private readonly actions: RenewalActionsService,
  ) {}

  /** The principal the commands run as: `connector:<name>`, an integration with the verifying secret's scopes. */
  actor(connector: ConnectorName, via: Principal): Principal {
    return {
      id: `connector:${connector}`,
      displayName: `${connector} connector (${via.id})`,
      role: 'integration',
      kind: 'integration',
      managerId: null,
      keyId: via.keyId,
      scopes: via.scopes,
      connector,
    };
  }

  /**
   * Applies `command` of the vendor event `vendorEventId` (about the vendor object
   * `objectKey`, the opportunity) to the account's renewal. The vendor event id is the
   * update's idempotency key, so a replay racing the first delivery is applied once.
   */
  async apply(
    connector: ConnectorName,
    vendorEventId: string,
    objectKey: string | null,
    accountId: string,
    command: RenewalCommand,
    via: Principal,
    now: Date,
  ): Promise<RenewalCommandResult> {
    const by = this.actor(connector, via);
    const refused = (reason: string, renewalId: string | null = null): RenewalCommandResult => ({
      state: 'refused',
      reason,
      renewalId,
    });
    const valid = async <T extends object>(cls: new () => T, plain: object): Promise<T | string> => {
      const dto = plainToInstance(cls, plain);
      const problems = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
      return problems.length
        ? flattenValidationErrors(problems)
            .map((e) => `${e.field}: ${e.message}`)
            .join('; ')
        : dto;
    };
    /** The renewal the opportunity launched (or last acted on), else the account's active renewal on `date`. */
    const renewalOf = async (date: string): Promise<string | null> =>
      (objectKey ? await renewalOfVendorObject(this.db, connector, objectKey) : null) ??
      (/^\d{4}-\d{2}-\d{2}$/.test(date) ? await activeRenewalOnDate(this.db, accountId, date) : null);
    let renewalId: string | null = null;
    try {
      let reason: string;
      if (command.kind === 'launch') {
        const facts = await readAccountFacts(this.db, accountId);
        if (!facts)
          return refused(
            `Retain does not know the account ${accountId}: a launch needs its facts (launch it once with POST /renewals, or send them as an account_updated event)`,
          );
        const dto = await valid(CreateRenewalDto, {
          account: {
            id: facts.id,
            name: facts.name,
            arrCents: facts.arrCents,
            segment: facts.segment,
            timeZone: facts.timeZone,
            ownerCsmId: facts.ownerCsmId,
            ...(facts.csmManagerId ? { csmManagerId: facts.csmManagerId } : {}),
            ...(facts.salesRepId ? { salesRepId: facts.salesRepId } : {}),
          },
          renewalDate: command.renewalDate,
        });
        if (typeof dto === 'string') return refused(`VALIDATION.FAILED: ${dto}`);
        const launched = await this.renewals.launch(dto, by, now);
        renewalId = launched.id;
        reason = launched.created
          ? `launched the renewal ${launched.id}`
          : `the renewal ${launched.id} was running already with the same details`;
      } else if (command.kind === 'reschedule') {
        renewalId = await renewalOf(command.from);
        if (!renewalId) return refused(`no active renewal of ${accountId} is due on ${command.from} to move`);
        const dto = await valid(PatchRenewalDto, { renewalDate: command.to });
        if (typeof dto === 'string') return refused(`VALIDATION.FAILED: ${dto}`, renewalId);
        await this.actions.change(renewalId, dto, by, vendorEventId);
        reason = `moved the renewal ${renewalId} from ${command.from} to ${command.to}`;
      } else {
        renewalId = await renewalOf(command.renewalDate);
        if (!renewalId)
          return refused(`no active renewal of ${accountId} is due on ${command.renewalDate || '?'} to decide`);
        const dto = await valid(RecordDecisionDto, {
          outcome: command.outcome,
          ...(command.reason ? { reason: command.reason } : {}),
        });
        if (typeof dto === 'string') return refused(`VALIDATION.FAILED: ${dto}`, renewalId);
        await this.actions.decide(renewalId, dto, by, vendorEventId);
        reason = `recorded the decision ${command.outcome} (stage ${command.stage}) on the renewal ${renewalId}`;
      }
      await appendAudit(this.db, [
        {
          actorId: by.id,
          actorRole: by.role,
          action: `connector.renewal_${command.kind === 'launch' ? 'launched' : command.kind === 'reschedule' ? 'rescheduled' : 'decided'}`,
          subjectType: 'renewal',
          subjectId: renewalId,
          accountId,
          detail: {
            connector,
            vendorEventId,
            opportunity: command.opportunity,
            command,
            via: { principalId: via.id, keyId: via.keyId },
          },
          dedupeKey: `connector:${connector}:${vendorEventId}`,
        },
      ]);
      return { state: 'applied', reason, renewalId };
    } catch (error) {
      // A refusal of the command itself (a date taken, a renewal decided already) is its answer, stored; a grant
      // missing (403), Temporal down or a fault is thrown, and nothing is stored, so the relay's retry is taken anew.
      const status = error instanceof ApiError ? ERROR_CATALOGUE[error.code].status : 500;
      if (error instanceof ApiError && !TRANSIENT.has(error.code) && status < 500 && status !== 403)
        return refused(`${error.code}: ${error.detail}`, renewalId);
      throw error;
    }
  }
}
