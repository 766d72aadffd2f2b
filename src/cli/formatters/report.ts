import type { Problem, Severity } from '../../definition/problem.js';
import type { Colors } from './colors.js';

/** One YAML document that was checked, so reports can list passing agents too (JUnit test cases). */
export interface CheckedDocument {
  file: string;
  /** 0-based index of the document within its file. */
  index: number;
  agentId: string | null;
  /** 1-based line where the document starts; problems at or after it (and before the next document) belong to it. */
  line: number;
}

/** What a validate run found; every formatter is a pure function of this. */
export interface ValidationReport {
  files: number;
  agents: number;
  problems: Problem[];
  /** file → text, for code frames. */
  sources: ReadonlyMap<string, string>;
  /** Every document checked, in file order; files whose YAML could not be split into documents have none. */
  documents: readonly CheckedDocument[];
  /** `--max-warnings`: more warnings than this fail the run as an error would. */
  maxWarnings?: number;
}

export interface FormatterOptions {
  /** For the formats people read; the machine formats take none. */
  colors: Colors;
}

export type Formatter = (report: ValidationReport, options: FormatterOptions) => string;

function countSeverity(problems: readonly Problem[], severity: Severity): number {
  return problems.reduce((count, problem) => (problem.severity === severity ? count + 1 : count), 0);
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function tooManyWarnings(report: ValidationReport): boolean {
  return report.maxWarnings !== undefined && countSeverity(report.problems, 'warning') > report.maxWarnings;
}

/** Whether the run fails (exit 1): an error, or more warnings than `--max-warnings` allows. */
export function reportFails(report: ValidationReport): boolean {
  return countSeverity(report.problems, 'error') > 0 || tooManyWarnings(report);
}

/** The one-line verdict every human-facing format ends with. */
export function summaryLine(report: ValidationReport): { text: string; kind: 'valid' | 'warnings' | 'errors' } {
  const { problems } = report;
  if (problems.length === 0) {
    return { text: `${plural(report.agents, 'agent')} in ${plural(report.files, 'file')} ${report.agents === 1 ? 'is' : 'are'} valid`, kind: 'valid' };
  }
  const errors = countSeverity(problems, 'error');
  const warnings = problems.length - errors;
  const filesWithProblems = new Set(problems.map((problem) => problem.file)).size;
  const counts = `${plural(problems.length, 'problem')} (${plural(errors, 'error')}, ${plural(warnings, 'warning')}) in ${plural(filesWithProblems, 'file')}`;
  if (tooManyWarnings(report)) return { text: `${counts}: too many warnings (--max-warnings ${report.maxWarnings})`, kind: 'errors' };
  return { text: counts, kind: errors > 0 ? 'errors' : 'warnings' };
}
