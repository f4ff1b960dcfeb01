/** Per study and clinic, the rise of the clinic's total epsilon over the study's spends, from its ledger entries in order. */
export interface StudyEpsilon {
  studyId: string;
  clinicId: string;
  epsilon: number;
}

/**
 * `rows` are ledger entries ordered by clinic and position. A spend's `epsilon` is the clinic's total
 * after it (every study); what a study cost the clinic is the sum, over the study's spends, of the
 * total after the spend minus the total before it. Refusals cost nothing.
 */
export function epsilonByStudy(rows: readonly { clinicId: string; studyId: string; kind: string; body: string }[]): StudyEpsilon[] {
  const cost = new Map<string, StudyEpsilon>();
  let clinic: string | undefined;
  let total = 0;
  for (const row of rows) {
    if (row.clinicId !== clinic) {
      clinic = row.clinicId;
      total = 0;
    }
    const after = (JSON.parse(row.body) as { epsilon: number }).epsilon;
    if (row.kind !== 'spend') continue;
    const key = `${row.clinicId}\0${row.studyId}`;
    const entry = cost.get(key) ?? { studyId: row.studyId, clinicId: row.clinicId, epsilon: 0 };
    entry.epsilon += after - total;
    cost.set(key, entry);
    total = after;
  }
  return [...cost.values()];
}
