/** A clinic id: 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit (it names certificates, files and log lines). */
const CLINIC_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Null for a well-formed clinic id, else the sentence saying what is wrong with it. */
export function clinicIdProblem(clinicId: string): string | null {
  return CLINIC_ID.test(clinicId) ? null : `clinic id "${clinicId}" must be 1-128 letters, digits, '.', '_' or '-'`;
}
