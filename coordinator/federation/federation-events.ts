import { Injectable } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';

/**
 * What happens in a federation, for progress displays and logs. Each event is emitted only after the
 * change it reports has committed; the durable record of the same change is its row in
 * `audit_events` (AuditEventEntity), written in that change's transaction (GET /studies/:id/events).
 */
export type FederationEvent =
  | { type: 'study-started'; studyId: string; clinics: number }
  | { type: 'round-opened'; studyId: string; round: number; participants: string[]; deadlineAt: number }
  | { type: 'update-received'; studyId: string; round: number; clinicId: string; numSamples: number; received: number; expected: number }
  | { type: 'round-refused'; studyId: string; round: number; clinicId: string; reason: string }
  | { type: 'update-rejected'; studyId: string; round: number; clinicId: string; reason: string }
  | { type: 'round-restarted'; studyId: string; round: number; attempt: number; reason: string }
  | { type: 'round-closed'; studyId: string; round: number; updates: number; outcome: string }
  | { type: 'round-failed'; studyId: string; round: number; outcome: string }
  | {
      type: 'evaluation';
      studyId: string;
      modelVersion: number;
      clinicId: string;
      accuracy: number;
      numTest: number;
      /** Survival studies: Harrell's C and its pair counts (null and zeros for classification). */
      cIndex: number | null;
      concordance: { concordant: number; discordant: number; tiedRisk: number };
    }
  | { type: 'study-finished'; studyId: string; status: 'completed' | 'failed' | 'cancelled'; error: string | null };

/** The coordinator's event stream: the services emit after each commit; embedders and displays subscribe. */
@Injectable()
export class FederationEventBus {
  private readonly subject = new Subject<FederationEvent>();
  readonly events$: Observable<FederationEvent> = this.subject.asObservable();

  emit(event: FederationEvent): void {
    this.subject.next(event);
  }
}
