import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ledgerSummary, spendsByStudy } from '../../crypto/index.js';
import { LedgerService } from '../ledger/ledger.service.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import type { PrivacyReport } from './privacy-report.js';

/** Builds the auditor's privacy report from the coordinator's verified copy of every ledger. */
@Injectable()
export class AuditReportService {
  constructor(
    private readonly ledger: LedgerService,
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
  ) {}

  async report(now = new Date()): Promise<PrivacyReport> {
    const verifications = await this.ledger.verifications();
    const names = new Map((await this.studies.find({ select: { id: true, name: true } })).map((s) => [s.id, s.name]));
    return {
      generatedAt: now.toISOString(),
      clinics: verifications.map((v) => {
        const { epsilon, capEpsilon, delta, spends, refusals } = ledgerSummary(v);
        return {
          clinic: v.clinicId,
          epsilon,
          cap: capEpsilon,
          delta,
          remaining: capEpsilon === null ? null : Math.max(0, capEpsilon - epsilon),
          spends,
          refusals,
          verified: v.ok,
          lastEntryAt: v.parsed.at(-1)?.recordedAt ?? null,
          problems: v.problems.map((p) => `${p.entry} ${p.problem}`),
        };
      }),
      studies: verifications.flatMap((v) =>
        spendsByStudy(v.parsed).map((s) => ({
          study: s.studyId,
          studyName: names.get(s.studyId) ?? null,
          clinic: v.clinicId,
          epsilon: s.epsilon,
          delta: s.delta,
          spends: s.spends,
          refusals: s.refusals,
          firstEntryAt: s.firstEntryAt,
          lastEntryAt: s.lastEntryAt,
        })),
      ),
    };
  }
}
