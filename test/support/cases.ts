/**
 * For `it.each` tables of named cases: `it.each(titled(cases))('%s', (_title, c) => …)`
 * names each test by its case's title, whole and unquoted (`$title` would quote
 * it and cut it at 40 characters).
 */
export function titled<Case extends { title: string }>(cases: readonly Case[]): Array<[string, Case]> {
  return cases.map((testCase) => [testCase.title, testCase]);
}
