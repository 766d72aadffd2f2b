/**
 * The formats of `agentctl validate`, one module each, chosen by name from
 * this table (as Spectral's output.ts does): a new format is a module and a row.
 */
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatPretty } from './pretty.js';
import type { Formatter } from './report.js';

export type ValidateFormat = 'pretty' | 'json' | 'github' | 'junit';

export const FORMATTERS: Readonly<Record<ValidateFormat, Formatter>> = {
  pretty: (report, { colors }) => formatPretty(report, colors),
  json: formatJson,
  github: formatGithub,
  junit: formatJunit,
};

/** The names, in the order help lists them. */
export const VALIDATE_FORMATS = Object.keys(FORMATTERS) as ValidateFormat[];
