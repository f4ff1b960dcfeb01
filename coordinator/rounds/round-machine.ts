/** A round as the coordinator opened it: who was asked and how many updates it needs. */
export interface RoundPlan {
  /** The round's number in its study (1 is the first). */
  number: number;
  /** The clinics asked to train, fixed when the round opened. */
  participants: readonly string[];
  /** Updates the round needs to close at its deadline or once everyone answered. At least 1. */
  quorum: number;
  /** The study the round belongs to, named in refusals when given. */
  studyId?: string;
}

/** How many clinics a study needs before it opens a round, and how many updates a round needs. */
export interface OpeningRule {
  /** Clinics needed to start the study (round 1). */
  minClinics: number;
  /** Updates a round needs; a later round asking fewer clinics could never close. */
  quorum: number;
}

/** `cancelled`: its study was cancelled while it was open. */
export type RoundState = 'open' | 'closed' | 'failed' | 'cancelled';

/**
 * What the round's answers decide: keep waiting, close with the updates of `updates` (in clinic
 * order, so the aggregate is the same bits whatever the order of arrival), or fail. `outcome` is
 * the sentence the round's end is recorded with.
 */
export type RoundDecision = { kind: 'wait' } | { kind: 'close'; updates: string[]; outcome: string } | { kind: 'fail'; outcome: string };

/** Why an answer is not taken: the round ended, the clinic was not asked, or it already sent its update. */
export type RoundRefusalKind = 'ended' | 'not-asked' | 'duplicate';

export class RoundMachineError extends Error {
  constructor(
    message: string,
    readonly refusal: RoundRefusalKind,
  ) {
    super(message);
    this.name = 'RoundMachineError';
  }
}

/** Whether round `number` may open with `available` clinics: `minClinics` for round 1, the quorum after it (and never with none). */
export function enoughToOpen(number: number, available: number, rule: OpeningRule): boolean {
  return available >= Math.max(1, number === 1 ? rule.minClinics : rule.quorum);
}

/**
 * One round of a study, pure and in memory: answers (an update taken, a clinic's refusal such as a
 * privacy-budget refusal), the deadline and a restart go in; each says whether the round waits,
 * closes (with which updates) or fails (with the reason). It refuses what comes out of order: any
 * answer after the round ended, an update from a clinic it did not ask or a second one from the same
 * clinic. A refusal from a clinic that already sent its update changes nothing: the update is its
 * answer. Storage, timers and messages live around it (the federation service), which rebuilds it
 * from what the database holds ({@link RoundMachine.resume}) so a restart loses nothing.
 */
export class RoundMachine {
  private stateNow: RoundState = 'open';
  private attemptNow: number;
  private readonly updated = new Set<string>();
  private readonly refused = new Set<string>();
  private readonly rejected = new Set<string>();
  private readonly asked: ReadonlySet<string>;

  constructor(
    private readonly plan: RoundPlan,
    attempt = 0,
  ) {
    if (!(Number.isInteger(plan.quorum) && plan.quorum >= 1))
      throw new RangeError(`round ${plan.number}: the quorum must be a whole number of at least 1, got ${plan.quorum}`);
    this.asked = new Set(plan.participants);
    if (this.asked.size !== plan.participants.length) throw new RangeError(`round ${plan.number}: a clinic is asked twice (${plan.participants.join(', ')})`);
    this.attemptNow = attempt;
  }

  /**
   * The round as stored: its state, attempt, and the clinics whose update or refusal was recorded.
   * An update from a clinic the round did not ask, or twice, is refused as when it arrived.
   */
  static resume(
    plan: RoundPlan,
    stored: { state: RoundState; attempt: number; updates: Iterable<string>; refusals: Iterable<string>; rejections?: Iterable<string> },
  ): RoundMachine {
    const machine = new RoundMachine(plan, stored.attempt);
    for (const clinicId of stored.updates) machine.take(clinicId);
    for (const clinicId of stored.refusals) if (machine.asked.has(clinicId)) machine.refused.add(clinicId);
    for (const clinicId of stored.rejections ?? []) if (machine.asked.has(clinicId) && !machine.updated.has(clinicId)) machine.rejected.add(clinicId);
    machine.stateNow = stored.state;
    return machine;
  }

  get state(): RoundState {
    return this.stateNow;
  }

  /** Starts at 0; a restart (the coordinator lost the round's in-memory protocol state) counts up. */
  get attempt(): number {
    return this.attemptNow;
  }

  /** Clinics whose update the round took, in clinic order. */
  get updates(): string[] {
    return [...this.updated].sort();
  }

  /** Asked clinics that have neither sent an update nor refused, and whose update was not rejected. */
  waitingFor(): string[] {
    return this.plan.participants.filter((id) => !this.updated.has(id) && !this.refused.has(id) && !this.rejected.has(id));
  }

  /** Throws what {@link update} would refuse, changing nothing: for checking an upload before its payload is read. */
  checkUpdate(clinicId: string): void {
    const round = this.name;
    if (this.stateNow !== 'open') throw new RoundMachineError(`${round} is ${this.stateNow}: it takes no more updates`, 'ended');
    if (!this.asked.has(clinicId)) throw new RoundMachineError(`clinic ${clinicId} was not asked to train in ${round}`, 'not-asked');
    if (this.updated.has(clinicId)) throw new RoundMachineError(`clinic ${clinicId} already sent its update for ${round}`, 'duplicate');
  }

  /** "round 3", or "round 3 of study s" when the plan names its study. */
  private get name(): string {
    const { number, studyId } = this.plan;
    return studyId === undefined ? `round ${number}` : `round ${number} of study ${studyId}`;
  }

  /** A clinic's update was taken. */
  update(clinicId: string): RoundDecision {
    this.take(clinicId);
    return this.answered();
  }

  /** An asked clinic declined the round; a refusal from a clinic not asked, or already answered, changes nothing. */
  refuse(clinicId: string): RoundDecision {
    this.expectOpen('a refusal');
    if (this.asked.has(clinicId) && !this.updated.has(clinicId)) this.refused.add(clinicId);
    return this.answered();
  }

  /**
   * An asked clinic's update was refused for what it claimed (more samples than approved): a round
   * whose other clinics meet the quorum closes without waiting for it, so a lying member cannot
   * stall it until its deadline. A round that needs it keeps waiting (a rejection never fails a round
   * by itself), and a valid update it sends while the round is open is still taken. Changes nothing
   * for a clinic not asked or already answered.
   */
  reject(clinicId: string): RoundDecision {
    this.expectOpen('a rejection');
    if (this.asked.has(clinicId) && !this.updated.has(clinicId)) this.rejected.add(clinicId);
    return this.answered();
  }

  /**
   * What the answers so far decide: once every asked clinic sent its update, refused, or had its
   * update rejected, the round closes if the updates meet the quorum, and otherwise fails, unless a
   * rejected clinic could still make up the quorum (it waits for the deadline then); until then it waits.
   */
  answered(): RoundDecision {
    this.expectOpen('a decision');
    const received = this.updated.size;
    const refused = [...this.refused].filter((id) => !this.updated.has(id)).length;
    const rejected = [...this.rejected].filter((id) => !this.updated.has(id) && !this.refused.has(id)).length;
    const asked = this.plan.participants.length;
    if (received + refused + rejected < asked) return { kind: 'wait' };
    if (refused + rejected === 0) return this.close(`closed with all ${received} updates`);
    const missing = (of: string) =>
      [
        ...(refused > 0 ? [`${refused}${of} clinics refused (their privacy ledgers say why)`] : []),
        ...(rejected > 0 ? [`${rejected}${of} clinics' updates were rejected (the audit log says why)`] : []),
      ].join(' and ');
    if (received >= this.plan.quorum) return this.close(`closed with ${received} updates; ${missing('')}`);
    // A rejected clinic may still send a valid update: a round that needs it waits for it until the deadline.
    if (rejected > 0) return { kind: 'wait' };
    return this.fail(`${missing(` of ${asked}`)}, leaving ${received} updates, below the quorum of ${this.plan.quorum}`);
  }

  /** The deadline passed: the round closes with what it has if that meets the quorum, and fails otherwise. */
  deadline(): RoundDecision {
    this.expectOpen('the deadline');
    const received = this.updated.size;
    const { quorum, participants } = this.plan;
    if (received >= quorum) return this.close(`closed at its deadline with ${received} of ${participants.length} updates (quorum ${quorum})`);
    return this.fail(`timed out with ${received} of ${participants.length} updates, below the quorum of ${quorum}`);
  }

  /**
   * The round runs again as a fresh attempt with the same clinics: updates taken so far are gone
   * (they were bound to state the coordinator lost), refusals stand (a clinic's ledger keeps them).
   */
  restart(): number {
    this.expectOpen('a restart');
    this.updated.clear();
    return ++this.attemptNow;
  }

  private take(clinicId: string): void {
    this.checkUpdate(clinicId);
    this.updated.add(clinicId);
    this.refused.delete(clinicId);
    this.rejected.delete(clinicId);
  }

  private close(outcome: string): RoundDecision {
    this.stateNow = 'closed';
    return { kind: 'close', updates: this.updates, outcome };
  }

  private fail(outcome: string): RoundDecision {
    this.stateNow = 'failed';
    return { kind: 'fail', outcome };
  }

  private expectOpen(what: string): void {
    if (this.stateNow !== 'open') throw new RoundMachineError(`${this.name} is ${this.stateNow}: ${what} comes too late`, 'ended');
  }
}
