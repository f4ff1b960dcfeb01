import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { placedFiles, roundFileName, writeFileDurably } from './durable-file.js';

/** That a node revealed its shares in one attempt of a secure-aggregation round. */
export interface RevealRecord {
  studyId: string;
  round: number;
  attempt: number;
}

/**
 * Which secagg+dp rounds this node has revealed shares in, and in which attempt: a marker per round
 * in `dir`, written durably just before the shares leave the node. A round's noisy sum can be
 * unmasked only with revealed shares, so once a node revealed in one attempt it takes part in no
 * later attempt of that round (after a coordinator restart): that could be a second noisy release
 * under the round's one privacy spend. Markers are kept (one small file per round), like the ledger
 * entries they stand beside.
 */
export class RevealJournal {
  private constructor(
    readonly dir: string,
    private readonly records: Map<string, RevealRecord>,
  ) {}

  /** Reads the markers in `dir` (a missing directory has none). */
  static async open(dir: string, log: (message: string) => void = () => undefined): Promise<RevealJournal> {
    const records = new Map<string, RevealRecord>();
    // A marker cut short was not in place yet: before the reveal, which waits for the marker.
    for await (const { name, path } of placedFiles(dir)) {
      const record = parseRecord(await readFile(path, 'utf8'));
      if (!record) {
        // Kept, not removed: an unreadable marker still says this round's shares may have gone out.
        log(`${path}: unreadable reveal marker; its round is treated as revealed`);
        records.set(name, { studyId: name, round: -1, attempt: -1 });
        continue;
      }
      records.set(roundFileName(record.studyId, record.round), record);
    }
    return new RevealJournal(dir, records);
  }

  /** The attempt in which this node revealed shares for the round, if it did. */
  revealed(studyId: string, round: number): RevealRecord | null {
    return this.records.get(roundFileName(studyId, round)) ?? null;
  }

  /** Records, durably, that the node is about to reveal its shares in this attempt of the round. */
  async record(studyId: string, round: number, attempt: number): Promise<void> {
    const name = roundFileName(studyId, round);
    await writeFileDurably(join(this.dir, name), `${JSON.stringify({ studyId, round, attempt, revealedAt: new Date().toISOString() })}\n`);
    this.records.set(name, { studyId, round, attempt });
  }
}

function parseRecord(text: string): RevealRecord | null {
  try {
    const value = JSON.parse(text) as Partial<RevealRecord>;
    if (
      typeof value.studyId === 'string' &&
      value.studyId !== '' &&
      Number.isSafeInteger(value.round) &&
      Number.isSafeInteger(value.attempt) &&
      value.attempt! >= 0
    ) {
      return { studyId: value.studyId, round: value.round!, attempt: value.attempt! };
    }
  } catch {
    // falls through
  }
  return null;
}
