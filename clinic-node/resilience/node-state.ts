import { join } from 'node:path';
import { Outbox } from './outbox.js';
import { RevealJournal } from './reveal-journal.js';
import { TrainingJournal, type RoundRef } from './training-journal.js';

/**
 * What a clinic node keeps on disk to survive crashes, its own and the coordinator's, under one
 * state directory: `outbox/` (updates not yet acknowledged), `training/` (rounds being trained) and
 * `revealed/` (secagg+dp rounds whose shares this node revealed, and in which attempt).
 */
export class NodeState {
  private readonly abandoned = new Map<string, RoundRef>();
  private readonly abandonedAtStart: RoundRef[];

  private constructor(
    readonly dir: string,
    readonly outbox: Outbox,
    readonly journal: TrainingJournal,
    readonly reveals: RevealJournal,
    abandoned: RoundRef[],
  ) {
    for (const ref of abandoned) this.abandoned.set(key(ref.studyId, ref.round), ref);
    this.abandonedAtStart = abandoned;
  }

  /**
   * Opens the state in `dir`, creating nothing until there is something to keep. A leftover training
   * marker whose update reached the outbox is just cleared (the update is resent); any other means
   * the node crashed while training that round, which it then sits out.
   */
  static async open(dir: string, clinicId: string, log: (message: string) => void = () => undefined): Promise<NodeState> {
    const outbox = await Outbox.open(join(dir, 'outbox'), log);
    const journal = await TrainingJournal.open(join(dir, 'training'), log);
    const reveals = await RevealJournal.open(join(dir, 'revealed'), log);
    const abandoned: RoundRef[] = [];
    for (const ref of journal.leftovers()) {
      if (outbox.get(ref.studyId, ref.round)) {
        await journal.end(ref.studyId, ref.round);
        continue;
      }
      abandoned.push(ref);
      log(`${clinicId}: crashed while training round ${ref.round} of study ${ref.studyId}: rejoining at the next round`);
    }
    if (outbox.size > 0) log(`${clinicId}: ${outbox.size} update${outbox.size === 1 ? '' : 's'} from an earlier run in the outbox, resent once connected`);
    return new NodeState(dir, outbox, journal, reveals, abandoned);
  }

  /** The rounds this node found it had crashed while training, when it started. */
  abandonedRounds(): RoundRef[] {
    return this.abandonedAtStart.map((ref) => ({ ...ref }));
  }

  /** Whether the node crashed while training this round (so must not train it). */
  isAbandoned(studyId: string, round: number): boolean {
    return this.abandoned.has(key(studyId, round));
  }

  /** The study has moved past `through` (or finished, `Infinity`): its earlier abandoned rounds' markers can go. */
  async roundsOver(studyId: string, through: number): Promise<void> {
    for (const [k, ref] of this.abandoned) {
      if (ref.studyId !== studyId || ref.round > through) continue;
      await this.journal.end(ref.studyId, ref.round);
      this.abandoned.delete(k);
    }
  }
}

function key(studyId: string, round: number): string {
  return JSON.stringify([studyId, round]);
}
