/**
 * `npm run diagnose`: GET /admin/diagnose printed for a person, problem by problem (what, why,
 * fix), with each check's state first. The command exits 1 when there are problems, so a script
 * or CI step can stop on them.
 */

interface Problem {
  what: string;
  why: string;
  fix: string;
  errcode?: number;
  rid?: string;
}

interface Diagnosis {
  account: { appid: string };
  checked_at: string;
  checks: Record<string, { state: string; error?: string }>;
  problems: Problem[];
}

/** Thrown with the printed report when the diagnosis found problems (exit status 1). */
export class ProblemsFound extends Error {
  // A plain field: Node runs this file by stripping types, which has no parameter properties.
  readonly report: string;

  constructor(report: string) {
    super(report);
    this.report = report;
  }
}

export function formatDiagnosis(diagnosis: Diagnosis): string {
  const count = diagnosis.problems.length;
  const lines = [
    `Account ${diagnosis.account.appid}, checked ${diagnosis.checked_at}: ${
      count === 0 ? "no problems found" : `${count} problem${count === 1 ? "" : "s"}`
    }`,
    "",
  ];
  const width = Math.max(...Object.keys(diagnosis.checks).map((name) => name.length));
  for (const [name, check] of Object.entries(diagnosis.checks)) {
    lines.push(`  ${name.padEnd(width)}  ${check.state}${check.error ? ` (${check.error})` : ""}`);
  }
  diagnosis.problems.forEach((problem, index) => {
    lines.push(
      "",
      `${index + 1}. ${problem.what}`,
      `   why: ${problem.why}`,
      `   fix: ${problem.fix}`,
    );
    if (problem.rid) lines.push(`   rid: ${problem.rid} (npm run rid -- ${problem.rid})`);
  });
  return lines.join("\n");
}

/** The report, or ProblemsFound carrying it. */
export function reportOrThrow(text: string): string {
  const diagnosis = JSON.parse(text) as Diagnosis;
  const report = formatDiagnosis(diagnosis);
  if (diagnosis.problems.length > 0) throw new ProblemsFound(report);
  return report;
}
