import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { placedFiles, removeDurably, roundFileName, writeFileDurably } from './durable-file.js';

/** A study's round. */
export interface RoundRef {
  studyId: string;
  round: number;
}

/**
 * Which rounds a node has started training and not yet finished: a marker file per round in `dir`,
 * written durably before the round's privacy spend and training, removed once the round's update is
 * in the outbox (or the round ended without one). A marker found when the node starts means it
 * crashed mid-round, after a spend may have been recorded and records looked at: that round is not
 * trained again.
 */
export class TrainingJournal {
  private constructor(
    readonly dir: string,
    private readonly found: RoundRef[],
  ) {}

  /** Reads the markers left in `dir` (a missing directory has none). */
  static async open(dir: string, log: (message: string) => void = () => undefined): Promise<TrainingJournal> {
    const found: RoundRef[] = [];
    // A marker cut short: the node stopped before it was in place, so before its round's spend and training.
    for await (const { path } of placedFiles(dir)) {
      const marker = parseMarker(await readFile(path, 'utf8'));
      if (!marker) {
        // Markers are renamed into place whole, so this is not a crash; name the file and go on.
        await removeDurably(path);
        log(`${path}: removed an unreadable training marker`);
        continue;
      }
      found.push(marker);
    }
    return new TrainingJournal(dir, found);
  }

  /** The rounds whose markers were present when the journal was opened. */
  leftovers(): RoundRef[] {
    return [...this.found];
  }

  /** Records, durably, that training of the round starts. */
  async begin(studyId: string, round: number): Promise<void> {
    await writeFileDurably(this.path(studyId, round), `${JSON.stringify({ studyId, round, startedAt: new Date().toISOString() })}\n`);
  }

  /** The round is over for this node, or its update is safe in the outbox. */
  async end(studyId: string, round: number): Promise<void> {
    await removeDurably(this.path(studyId, round));
  }

  private path(studyId: string, round: number): string {
    return join(this.dir, roundFileName(studyId, round));
  }
}

function parseMarker(text: string): RoundRef | null {
  try {
    const value = JSON.parse(text) as Partial<RoundRef>;
    if (typeof value.studyId === 'string' && value.studyId !== '' && Number.isSafeInteger(value.round) && value.round! >= 0) {
      return { studyId: value.studyId, round: value.round! };
    }
  } catch {
    // falls through
  }
  return null;
}
