import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { canonicalJson, LedgerChain, LedgerError, type ClinicIdentity, type LedgerDecision, type LedgerEntry } from '../../crypto/index.js';

/**
 * The clinic's own privacy ledger: one signed entry per line (JSON Lines), append-only, each line
 * flushed to disk before the clinic acts on it. Opening verifies the whole file under the clinic's
 * key, so a ledger edited on disk stops the node rather than being trusted.
 */
export class LedgerFile {
  private constructor(
    readonly path: string,
    private readonly identity: ClinicIdentity,
    private chain: LedgerChain,
  ) {}

  /**
   * Opens (or starts) the ledger at `path`. A last line cut short by a crash mid-write (no newline,
   * not JSON) was never acted on, since the node acts only after an entry is flushed: it is removed,
   * and `onRepair` says so. Anything else that does not verify stops here.
   */
  static open(path: string, identity: ClinicIdentity, onRepair: (message: string) => void = () => undefined): LedgerFile {
    const torn = tornTail(path);
    if (torn !== null) {
      truncateSync(path, torn.keep);
      onRepair(`${path}: removed an entry cut short by an interrupted write (${torn.dropped} bytes); the node never acted on it`);
    }
    return new LedgerFile(path, identity, LedgerChain.replay(identity, readLedgerLines(path)));
  }

  entries(): readonly LedgerEntry[] {
    return this.chain.entries();
  }

  quote(...args: Parameters<LedgerChain['quote']>): ReturnType<LedgerChain['quote']> {
    return this.chain.quote(...args);
  }

  /** Signs, appends and flushes the next entry. If the write fails the file is re-read, so memory never runs ahead of disk. */
  append(decision: LedgerDecision): LedgerEntry {
    const entry = this.chain.append(decision);
    try {
      const fd = openSync(this.path, 'a', 0o600);
      try {
        writeSync(fd, canonicalJson(entry) + '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      this.chain = LedgerChain.replay(this.identity, readLedgerLines(this.path));
      throw error;
    }
    return entry;
  }
}

/** A ledger file's entries as parsed JSON, for verification; a missing file is an empty ledger. */
export function readLedgerLines(path: string): unknown[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new LedgerError(`${path}: line ${i + 1} is not JSON`);
      }
    });
}

/** Where a file's last line is an unfinished write (no newline, not JSON): the bytes to keep and drop. */
function tornTail(path: string): { keep: number; dropped: number } | null {
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return null;
  const keep = bytes.lastIndexOf(0x0a) + 1;
  try {
    JSON.parse(bytes.subarray(keep).toString('utf8'));
    return null; // complete but for its newline: a whole entry, kept
  } catch {
    return { keep, dropped: bytes.length - keep };
  }
}
