import type { Problem } from '../../definition/problem.js';
import { escapeControlCharacters } from '../../text/terminal-text.js';
import type { CheckedDocument, ValidationReport } from './report.js';

// Characters XML 1.0 cannot carry at all, even escaped.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/**
 * For element text: quotes may stay as they are, which keeps messages readable in the raw report.
 * CI dashboards render the report: the control characters XML can hold, and bidi overrides, become escapes.
 */
function escapeXmlText(text: string): string {
  return escapeControlCharacters(text.replace(INVALID_XML_CHARACTERS, '')).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** XML normalises a raw tab, line feed or carriage return in an attribute value to a space (XML 1.0 §3.3.3): they go as character references. */
const ATTRIBUTE_WHITESPACE: Readonly<Record<string, string>> = { '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

/** For attribute values: markup and quotes escaped, and the whitespace a reader would flatten kept as character references. */
function escapeXmlAttribute(text: string): string {
  const markupEscaped = text.replace(INVALID_XML_CHARACTERS, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  return escapeControlCharacters(markupEscaped.replace(/[\t\n\r]/g, (character) => ATTRIBUTE_WHITESPACE[character] as string));
}

interface TestCase {
  name: string;
  problems: Problem[];
}

function describeProblem(problem: Problem): string {
  const location = problem.line >= 1 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  const hint = problem.suggestion ? ` (${problem.suggestion})` : '';
  return `${location}  ${problem.severity}  ${problem.message}${hint}  ${problem.code}`;
}

/** Groups problems into one test case per document of each file; problems outside any document get a file-level case. */
function testCasesByFile(report: ValidationReport): Map<string, TestCase[]> {
  const documentsByFile = new Map<string, CheckedDocument[]>();
  for (const document of report.documents) {
    const documents = documentsByFile.get(document.file) ?? [];
    documents.push(document);
    documentsByFile.set(document.file, documents);
  }
  const cases = new Map<string, TestCase[]>();
  const casesOfDocuments = new Map<CheckedDocument, TestCase>();
  for (const [file, documents] of documentsByFile) {
    cases.set(
      file,
      documents.map((document) => {
        const testCase = { name: document.agentId ?? `document ${document.index + 1}`, problems: [] };
        casesOfDocuments.set(document, testCase);
        return testCase;
      }),
    );
  }
  for (const problem of report.problems) {
    const documents = documentsByFile.get(problem.file) ?? [];
    const sameAgent = documents.filter((document) => problem.agent_id !== null && document.agentId === problem.agent_id);
    const owner = sameAgent.length === 1 ? sameAgent[0] : documents.filter((document) => document.line <= problem.line).at(-1) ?? documents[0];
    const ownerCase = owner && casesOfDocuments.get(owner);
    if (ownerCase) {
      ownerCase.problems.push(problem);
      continue;
    }
    const fileCases = cases.get(problem.file) ?? [];
    let fileCase = fileCases.find((testCase) => testCase.name === problem.file);
    if (!fileCase) {
      fileCase = { name: problem.file, problems: [] };
      fileCases.unshift(fileCase);
      cases.set(problem.file, fileCases);
    }
    fileCase.problems.push(problem);
  }
  return cases;
}

function renderTestCase(file: string, testCase: TestCase): string[] {
  const errors = testCase.problems.filter((problem) => problem.severity === 'error');
  const warnings = testCase.problems.filter((problem) => problem.severity === 'warning');
  const open = `    <testcase classname="${escapeXmlAttribute(file)}" name="${escapeXmlAttribute(testCase.name)}"`;
  if (testCase.problems.length === 0) return [`${open}/>`];
  const lines = [`${open}>`];
  if (errors.length > 0) {
    const codes = [...new Set(errors.map((problem) => problem.code))].join(',');
    const message = errors.map((problem) => `${problem.code}: ${problem.message}`).join('; ');
    lines.push(
      `      <failure type="${escapeXmlAttribute(codes)}" message="${escapeXmlAttribute(message)}">${escapeXmlText(errors.map(describeProblem).join('\n'))}</failure>`,
    );
  }
  // JUnit has no warnings; they go to the case's output so CI viewers still show them.
  if (warnings.length > 0) lines.push(`      <system-out>${escapeXmlText(warnings.map(describeProblem).join('\n'))}</system-out>`);
  lines.push('    </testcase>');
  return lines;
}

/** A JUnit XML report: a suite per file, a case per agent document; error problems fail their case. */
export function formatJunit(report: ValidationReport): string {
  const suites: string[] = [];
  let totalTests = 0;
  let totalFailures = 0;
  for (const [file, testCases] of testCasesByFile(report)) {
    const failures = testCases.filter((testCase) => testCase.problems.some((problem) => problem.severity === 'error')).length;
    totalTests += testCases.length;
    totalFailures += failures;
    suites.push(
      `  <testsuite name="${escapeXmlAttribute(file)}" tests="${testCases.length}" failures="${failures}" errors="0" skipped="0">`,
      ...testCases.flatMap((testCase) => renderTestCase(file, testCase)),
      '  </testsuite>',
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="agentctl validate" tests="${totalTests}" failures="${totalFailures}" errors="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
