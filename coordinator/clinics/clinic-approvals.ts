import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import { In, IsNull, type DataSource, type EntityManager } from 'typeorm';
import { checkDatasetSite } from '../../common/datasets.js';
import { refuse } from '../../common/errors.js';
import { ClinicApprovalEntity } from '../persistence/entities/clinic-approval.entity.js';
import { ClinicIdentityEntity } from '../persistence/entities/clinic-identity.entity.js';
import { ClinicEntity } from '../persistence/entities/clinic.entity.js';
import { inTransaction } from '../persistence/transactions.js';

/** What the operator approves of a clinic: the site it serves and at most how many records it holds. */
export interface Approval {
  /** The dataset it serves, e.g. `fed-heart-disease`. */
  dataset: string;
  /** Its site within the dataset; one site is held by one clinic. */
  site: string;
  /** Most training records its registration and updates may declare: the weight its updates may claim. */
  numTrain: number;
  /** Most test records its evaluations may count. */
  numTest: number;
}

/** An approval as stored: by whom its figures were given, and when. */
export interface ApprovalRecord extends Approval {
  clinicId: string;
  /** `operator`: figures given by the operator; `declaration`: the operator approved what the clinic registered with. */
  source: 'operator' | 'declaration';
  approvedAt: number;
}

/** Largest record count a registration can carry (uint32 on the wire). */
const MAX_RECORDS = 2 ** 32 - 1;

/**
 * The operator's approvals of enrolled clinics. Until a clinic is approved it may register, and the
 * operator sees what it declares, but no study asks it to train: its updates would carry a weight
 * nobody vouched for. Approving again replaces the figures (a clinic's data grows).
 */
@Injectable()
export class ClinicApprovals {
  private readonly logger = new Logger('Enrolment');
  private readonly approvedSubject = new Subject<string>();
  /** Fires with the clinic id after an approval committed: a connected clinic may now be asked to train. */
  readonly approved$ = this.approvedSubject.asObservable();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Approves `clinicId` (enrolled, not revoked) for the given site and counts, or, with `declared`,
   * for what it registered with. Refused if another clinic in good standing holds the site.
   */
  async approve(clinicId: string, figures: Approval | 'declared'): Promise<ApprovalRecord> {
    const record = await this.store(clinicId, figures);
    this.approvedSubject.next(clinicId);
    return record;
  }

  private store(clinicId: string, figures: Approval | 'declared'): Promise<ApprovalRecord> {
    return inTransaction(this.db, async (tx) => {
      const identity = await tx.findOneBy(ClinicIdentityEntity, { clinicId });
      if (!identity) throw refuse.notFound(`clinic "${clinicId}" is not enrolled: enrol its card first (cohort clinic enrol)`);
      if (identity.revokedAt != null) throw refuse.denied(`clinic ${clinicId} was revoked: it cannot be approved`);
      const approval = figures === 'declared' ? await declaredBy(tx, clinicId) : checkedApproval(figures);
      await checkSiteFree(tx, clinicId, approval);
      const record: ApprovalRecord = { clinicId, ...approval, source: figures === 'declared' ? 'declaration' : 'operator', approvedAt: Date.now() };
      await tx.save(ClinicApprovalEntity, record);
      this.logger.log(
        `clinic ${clinicId} approved for ${record.dataset}/${record.site}: at most ${record.numTrain} training and ${record.numTest} test records (${record.source})`,
      );
      return record;
    });
  }

  /** Refused (ALREADY_EXISTS) if a clinic in good standing other than `clinicId` is approved for the site. */
  checkSiteFree(clinicId: string, approval: Approval): Promise<void> {
    return checkSiteFree(this.db.manager, clinicId, approval);
  }

  /** The clinic's approval, or null while it has none. */
  async of(clinicId: string): Promise<ApprovalRecord | null> {
    return this.db.manager.findOneBy(ClinicApprovalEntity, { clinicId });
  }

  /** Approvals of the clinics among `ids`, by clinic id. */
  async ofClinics(ids: readonly string[]): Promise<Map<string, ApprovalRecord>> {
    const rows = await this.db.manager.findBy(ClinicApprovalEntity, { clinicId: In([...ids]) });
    return new Map(rows.map((row) => [row.clinicId, row]));
  }

  /** Clinics in good standing approved for `dataset`/`site` (one, by the rule approvals keep). */
  holdersOf(dataset: string, site: string): Promise<string[]> {
    return holdersOf(this.db.manager, dataset, site);
  }

  /** Every approval, by clinic id. */
  async all(): Promise<Map<string, ApprovalRecord>> {
    return new Map((await this.db.manager.find(ClinicApprovalEntity)).map((row) => [row.clinicId, row]));
  }
}

/** The figures checked: a known dataset and site, whole record counts in range. */
export function checkedApproval(figures: Approval): Approval {
  const { dataset, site, numTrain, numTest } = figures;
  const problems: string[] = [];
  if (typeof dataset !== 'string' || typeof site !== 'string') {
    problems.push(`dataset and site must be strings, got ${JSON.stringify(dataset)} and ${JSON.stringify(site)}`);
  } else {
    try {
      checkDatasetSite(dataset, site);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (!(Number.isInteger(numTrain) && numTrain >= 1 && numTrain <= MAX_RECORDS))
    problems.push(`numTrain must be a whole number in [1, ${MAX_RECORDS}], got ${JSON.stringify(numTrain)}`);
  if (!(Number.isInteger(numTest) && numTest >= 0 && numTest <= MAX_RECORDS))
    problems.push(`numTest must be a whole number in [0, ${MAX_RECORDS}], got ${JSON.stringify(numTest)}`);
  if (problems.length > 0) throw refuse.invalid(`approval: ${problems.join('; ')}`);
  return { dataset, site, numTrain, numTest };
}

async function declaredBy(tx: EntityManager, clinicId: string): Promise<Approval> {
  const registration = await tx.findOneBy(ClinicEntity, { id: clinicId });
  if (!registration) throw refuse.precondition(`clinic ${clinicId} has not registered yet: there is no declaration to approve`);
  const { dataset, site, numTrain, numTest } = registration;
  return checkedApproval({ dataset, site, numTrain, numTest });
}

/** One site, one clinic: refused if a clinic in good standing other than `clinicId` is approved for it. */
async function checkSiteFree(tx: EntityManager, clinicId: string, { dataset, site }: Approval): Promise<void> {
  const holder = (await holdersOf(tx, dataset, site)).find((id) => id !== clinicId);
  if (holder) throw refuse.duplicate(`site ${dataset}/${site} is held by clinic ${holder}: one site, one clinic (revoke it first)`);
}

async function holdersOf(db: EntityManager, dataset: string, site: string): Promise<string[]> {
  const rows = await db.findBy(ClinicApprovalEntity, { dataset, site });
  if (rows.length === 0) return [];
  const standing = await db.findBy(ClinicIdentityEntity, { clinicId: In(rows.map((row) => row.clinicId)), revokedAt: IsNull() });
  return standing.map((identity) => identity.clinicId);
}
