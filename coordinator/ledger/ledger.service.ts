import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { refuse } from '../../common/errors.js';
import {
  entryHash,
  GENESIS_HASH,
  LedgerVerifier,
  ledgerSummary,
  verifyLedger,
  type ClinicCard,
  type LedgerEntry,
  type LedgerSummary,
  type LedgerVerification,
} from '../../crypto/index.js';
import { KeysService } from '../keys/keys.service.js';
import { inTransaction } from '../persistence/transactions.js';
import { AuditEventEntity, auditEvent } from '../persistence/entities/audit-event.entity.js';
import { LedgerEntryEntity } from '../persistence/entities/ledger-entry.entity.js';

/** Most entries one AppendLedgerEntries call may carry, and the largest entry accepted. */
export const MAX_APPEND_ENTRIES = 1000;
export const MAX_ENTRY_BYTES = 64 * 1024;

export interface LedgerHeadView {
  clinicId: string;
  entries: number;
  headHash: string;
}

/** A clinic declined a round, as its signed refusal entry says. */
export interface RoundRefusal {
  clinicId: string;
  studyId: string;
  round: number;
  reason: string;
}

/** One clinic's budget as the coordinator's copy of its ledger shows it. */
export interface ClinicBudgetView extends LedgerSummary {
  clinicId: string;
  lastEntryAt: string | null;
  /** False when the stored copy no longer verifies (edited database rows); `problems` says where. */
  verified: boolean;
  problems: string[];
}

/**
 * The consortium's copy of every clinic's privacy ledger. Clinics are authoritative: they decide and
 * sign; the coordinator accepts an entry only if the whole chain, with it, verifies under the
 * clinic's enrolled key (position, hash link, signature, recomputed epsilons), stores a batch all or
 * none, and announces refusals so the round stops waiting for that clinic. The verified chain is
 * kept per clinic, so an append costs its own entries; auditors' reads re-verify from the database.
 */
@Injectable()
export class LedgerService {
  private readonly logger = new Logger('Ledger');
  private readonly refusalSubject = new Subject<RoundRefusal>();
  readonly refusals$ = this.refusalSubject.asObservable();
  /** Per clinic, a verifier over its stored entries, so an append checks only what is new (rebuilt when the stored head differs). */
  private readonly verified = new Map<string, LedgerVerifier>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(LedgerEntryEntity) private readonly entries: Repository<LedgerEntryEntity>,
    private readonly keys: KeysService,
  ) {}

  async head(clinicId: string): Promise<LedgerHeadView> {
    await this.keys.requireEnrolled(clinicId);
    const last = await this.entries.findOne({ where: { clinicId }, order: { seq: 'DESC' } });
    return { clinicId, entries: last ? last.seq + 1 : 0, headHash: last?.hash ?? GENESIS_HASH };
  }

  async append(clinicId: string, texts: readonly string[]): Promise<LedgerHeadView> {
    const card = await this.keys.requireEnrolled(clinicId);
    if (texts.length === 0) throw refuse.invalid('no ledger entries to append');
    if (texts.length > MAX_APPEND_ENTRIES) throw refuse.tooLarge(`at most ${MAX_APPEND_ENTRIES} ledger entries per call, got ${texts.length}`);
    const incoming = texts.map((text, i) => {
      if (Buffer.byteLength(text) > MAX_ENTRY_BYTES) throw refuse.tooLarge(`ledger entry ${i} is over ${MAX_ENTRY_BYTES} bytes`);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw refuse.invalid(`ledger entry ${i} is not JSON`);
      }
    });
    const { added, verifier } = await inTransaction(this.db, async (tx) => {
      const head = await tx.findOne(LedgerEntryEntity, { where: { clinicId }, order: { seq: 'DESC' } });
      const storedCount = head ? head.seq + 1 : 0;
      let stored = this.verified.get(clinicId);
      if (!stored || stored.entries !== storedCount || stored.headHash !== (head?.hash ?? GENESIS_HASH)) {
        stored = new LedgerVerifier(clinicId, card.signPublicKey);
        for (const entry of await this.storedEntries(clinicId, tx)) stored.push(entry);
        const storedProblem = stored.result().problems[0];
        if (storedProblem) {
          throw refuse.dataLoss(`the stored ledger of ${clinicId} no longer verifies (${storedProblem.entry} ${storedProblem.problem}); nothing appended`);
        }
      }
      const verifier = stored.copy();
      for (const raw of incoming) verifier.push(raw);
      const { problems, parsed } = verifier.result();
      const problem = problems[0];
      if (problem) throw refuse.invalid(`ledger of ${clinicId}: ${problem.entry} ${problem.problem}`);
      const added = parsed.slice(storedCount);
      const now = Date.now();
      await tx.insert(
        LedgerEntryEntity,
        added.map((entry, i) => this.row(entry, texts[i]!, now)),
      );
      // The coordinator's audit log records each entry in the same transaction (the entry itself is the evidence).
      if (added.length > 0)
        await tx.insert(
          AuditEventEntity,
          added.map((entry) => this.auditRow(entry, now)),
        );
      for (const entry of added) {
        this.logger.log(
          `ledger of ${clinicId}: #${entry.seq} ${entry.kind} for study ${entry.studyId} round ${entry.round}, epsilon ${entry.epsilon.toPrecision(4)} of ${entry.capEpsilon}`,
        );
      }
      return { added, verifier };
    });
    this.verified.set(clinicId, verifier);
    for (const e of added) if (e.kind === 'refusal') this.refusalSubject.next({ clinicId, studyId: e.studyId, round: e.round, reason: e.reason! });
    const last = added.at(-1)!;
    return { clinicId, entries: last.seq + 1, headHash: entryHash(last) };
  }

  private auditRow(entry: LedgerEntry, at: number) {
    const where = { studyId: entry.studyId, round: entry.round, clinicId: entry.clinicId, entry: entry.seq };
    return auditEvent(
      'ledger-entry',
      where,
      { seq: entry.seq, kind: entry.kind, epsilon: entry.epsilon, capEpsilon: entry.capEpsilon, hash: entryHash(entry), reason: entry.reason },
      at,
    );
  }

  private row(entry: LedgerEntry, body: string, receivedAt: number): Partial<LedgerEntryEntity> {
    return { clinicId: entry.clinicId, seq: entry.seq, studyId: entry.studyId, round: entry.round, kind: entry.kind, hash: entryHash(entry), body, receivedAt };
  }

  /** Whether the clinic recorded a spend for this round: a DP study takes no update without one. */
  async hasSpend(clinicId: string, studyId: string, round: number): Promise<boolean> {
    return this.entries.existsBy({ clinicId, studyId, round, kind: 'spend' });
  }

  /** The refusals of a round, with their reasons, in clinic order. */
  async refusals(studyId: string, round: number): Promise<RoundRefusal[]> {
    const rows = await this.entries.find({ where: { studyId, round, kind: 'refusal' }, order: { clinicId: 'ASC', seq: 'ASC' } });
    return rows.map((row) => ({ clinicId: row.clinicId, studyId, round, reason: (JSON.parse(row.body) as { reason: string }).reason }));
  }

  /** Clinics that refused a round. */
  async refusedBy(studyId: string, round: number): Promise<Set<string>> {
    const rows = await this.entries.find({ where: { studyId, round, kind: 'refusal' }, select: ['clinicId'] });
    return new Set(rows.map((row) => row.clinicId));
  }

  /** An enrolled (or since revoked) clinic's card and its stored entries as it signed them (parsed JSON), in order. */
  async ledgerOf(clinicId: string): Promise<{ card: ClinicCard; entries: unknown[] }> {
    const card = await this.keys.cardOf(clinicId);
    return { card, entries: await this.storedEntries(clinicId) };
  }

  private async storedEntries(clinicId: string, manager: EntityManager = this.entries.manager): Promise<unknown[]> {
    const rows = await manager.find(LedgerEntryEntity, { where: { clinicId }, order: { seq: 'ASC' } });
    return rows.map((row) => JSON.parse(row.body) as unknown);
  }

  /** Every enrolled clinic's budget (revoked ones too: what they spent stays audited), verified from the stored copy of its ledger. */
  async budgets(): Promise<ClinicBudgetView[]> {
    return (await this.verifications()).map((verification) => ({
      clinicId: verification.clinicId,
      ...ledgerSummary(verification),
      lastEntryAt: verification.parsed.at(-1)?.recordedAt ?? null,
      verified: verification.ok,
      problems: verification.problems.map((p) => `${p.entry} ${p.problem}`),
    }));
  }

  /** Every enrolled clinic's stored ledger, verified afresh under its enrolled key, in enrolment order. */
  async verifications(): Promise<LedgerVerification[]> {
    const verifications: LedgerVerification[] = [];
    for (const { card } of await this.keys.enrolments()) {
      verifications.push(verifyLedger(card.clinicId, await this.storedEntries(card.clinicId), card.signPublicKey));
    }
    return verifications;
  }
}
