import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutgoingUpdate } from '../client/federation-client.js';
import { decodeOutboxEntry, Outbox, OutboxError, outgoingUpdate } from './outbox.js';

const STUDY = '3f0c2b9e-4a57-4c61-9f0e-0a1b2c3d4e5f';

function update(round: number, fill = round, study = STUDY): OutgoingUpdate {
  return {
    clinicId: 'cleveland',
    studyId: study,
    round,
    modelVersion: round - 1,
    codec: 'plain-f32',
    numSamples: 199,
    trainLoss: 0.5,
    payload: new Uint8Array(56).fill(fill),
  };
}

describe('outbox', () => {
  const root = mkdtempSync(join(tmpdir(), 'cohort-outbox-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const fresh = () => join(root, `o${n++}`);

  it('writes each update durably, readable only by the node, with its header and digest, and reads it back whole', async () => {
    const dir = fresh();
    const outbox = await Outbox.open(dir);
    expect(outbox.size).toBe(0);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/); // nothing on disk until there is something to keep
    const entry = await outbox.put(update(2));
    expect(readdirSync(dir)).toEqual([`${STUDY}-2.update`]); // renamed into place: no temporary file left
    expect(statSync(entry.path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const payload = new Uint8Array(56).fill(2);
    expect(entry.header).toEqual({
      clinicId: 'cleveland',
      studyId: STUDY,
      round: 2,
      modelVersion: 1,
      codec: 'plain-f32',
      keyId: '',
      numSamples: 199,
      trainLoss: 0.5,
      totalBytes: 56,
      sha256: createHash('sha256').update(payload).digest('hex'),
      sequence: 1,
    });
    const reopened = await Outbox.open(dir);
    const again = reopened.get(STUDY, 2)!;
    expect(again.header).toEqual(entry.header);
    expect(again.payload).toEqual(payload);
    expect(outgoingUpdate(again)).toEqual({
      clinicId: 'cleveland',
      studyId: STUDY,
      round: 2,
      modelVersion: 1,
      codec: 'plain-f32',
      keyId: '',
      numSamples: 199,
      trainLoss: 0.5,
      payload,
    });
    await reopened.remove(again);
    expect(readdirSync(dir)).toEqual([]);
    expect((await Outbox.open(dir)).size).toBe(0);
  });

  it('replaces an entry of the same round whole, by rename, never leaving a mixture', async () => {
    const dir = fresh();
    const outbox = await Outbox.open(dir);
    await outbox.put(update(1, 1));
    await outbox.put(update(1, 9));
    expect(readdirSync(dir)).toHaveLength(1);
    const entry = (await Outbox.open(dir)).get(STUDY, 1)!;
    expect(entry.payload).toEqual(new Uint8Array(56).fill(9));
  });

  it('removes, with a log line, a write a crash cut short and any entry that does not check out; never returns them', async () => {
    const dir = fresh();
    const outbox = await Outbox.open(dir);
    const good = await outbox.put(update(1));
    const bytes = readFileSync(good.path);
    // A crash before the rename: the temporary file, half written.
    writeFileSync(join(dir, `${STUDY}-2.update.tmp-4242-deadbeef`), bytes.subarray(0, 40));
    // Files at their final names that do not check out (tampering, a bad disk): cut short, altered, foreign.
    writeFileSync(join(dir, `${STUDY}-3.update`), bytes.subarray(0, bytes.length - 1));
    const altered = Buffer.from(bytes);
    altered[altered.length - 1] ^= 0xff;
    writeFileSync(join(dir, `${STUDY}-4.update`), altered);
    writeFileSync(join(dir, `${STUDY}-5.update`), Buffer.from(bytes.toString('latin1').replace('"round":1', '"round":"1"'), 'latin1'));
    writeFileSync(join(dir, `${STUDY}-6.update`), 'hello');
    const log: string[] = [];
    const reopened = await Outbox.open(dir, (line) => log.push(line));
    expect(reopened.entries().map((e) => e.header.round)).toEqual([1]);
    expect(readdirSync(dir)).toEqual([`${STUDY}-1.update`]);
    expect(log).toEqual([
      expect.stringMatching(/-2\.update\.tmp-4242-deadbeef: removed an outbox entry cut short by an interrupted write; it was never sent$/),
      expect.stringMatching(/-3\.update: removed a corrupt outbox entry \(payload has 55 bytes, the header declares 56\); it is not sent$/),
      expect.stringMatching(
        /-4\.update: removed a corrupt outbox entry \(payload digest [0-9a-f]{64} differs from the header's [0-9a-f]{64}\); it is not sent$/,
      ),
      expect.stringMatching(/-5\.update: removed a corrupt outbox entry \(header field round is not a whole number >= 0\); it is not sent$/),
      expect.stringMatching(/-6\.update: removed a corrupt outbox entry \(not an outbox entry \(bad first line\)\); it is not sent$/),
    ]);
    expect(() => decodeOutboxEntry(Buffer.from('cohort-outbox v1\n{"clinicId"'))).toThrow(OutboxError);
  });

  it('resends in the order the updates were written, across restarts', async () => {
    const dir = fresh();
    const other = 'b7a1c0de-0000-4000-8000-000000000001';
    let outbox = await Outbox.open(dir);
    await outbox.put(update(3));
    await outbox.put(update(1, 1, other));
    outbox = await Outbox.open(dir);
    await outbox.put(update(2));
    expect(outbox.entries().map((e) => [e.header.studyId, e.header.round, e.header.sequence])).toEqual([
      [STUDY, 3, 1],
      [other, 1, 2],
      [STUDY, 2, 3],
    ]);
    expect((await Outbox.open(dir)).entries().map((e) => e.header.round)).toEqual([3, 1, 2]);
  });

  it('keeps study ids that are not safe file names apart, by digest', async () => {
    const dir = fresh();
    const outbox = await Outbox.open(dir);
    await outbox.put(update(1, 1, '../escape'));
    await outbox.put(update(1, 2, '../escapf'));
    expect(readdirSync(dir).every((name) => /^x[0-9a-f]{64}-1\.update$/.test(name))).toBe(true);
    const reopened = await Outbox.open(dir);
    expect(reopened.get('../escape', 1)!.payload[0]).toBe(1);
    expect(reopened.get('../escapf', 1)!.payload[0]).toBe(2);
  });
});
