/** The rule that no secret is written in a definition, at any depth: keys and endpoints come from the environment. */
import type { DefinitionDocument, SourcePosition } from '../document.js';
import { dottedPath, problemAt, spanInScalar } from '../locate.js';
import type { Problem } from '../problem.js';
import { findSecretInText, isSecretKeyName, maskSecret, URL_PASSWORD_KIND } from '../secrets.js';
import type { Rule } from './rule.js';
import { walkStrings } from './walk-strings.js';

export const literalSecrets: Rule = {
  name: 'literal-secrets',
  codes: ['literal-secret'],
  check(document, { definition }) {
    const problems: Problem[] = [];
    walkStrings(definition, {
      value(text, key, path) {
        if (key !== undefined && isSecretKeyName(key)) {
          const pointer = path.pointer();
          problems.push(secretProblem(document, pointer, text, document.positionOf(pointer), key));
          return;
        }
        const secret = findSecretInText(text, key);
        if (secret === null) return;
        const pointer = path.pointer();
        const position = spanInScalar(document, pointer, secret.index, secret.index + secret.text.length);
        problems.push(secretProblem(document, pointer, secret.text, position, key, secret.kind));
      },
    });
    return problems;
  },
};

function secretProblem(document: DefinitionDocument, pointer: string, secret: string, position: SourcePosition, key: string | undefined, kind?: string): Problem {
  const what = kind === undefined ? 'a literal secret' : `what looks like ${kind}`;
  const apiKeyHint = pointer.startsWith('/llm_config/') && key !== undefined && /key/i.test(key) ? ', and name that variable in llm_config.api_key_env' : '';
  return problemAt(document, pointer, position, {
    code: 'literal-secret',
    message: `${dottedPath(pointer)} holds ${what} (${maskSecret(secret)}); secrets must not be written in definitions`,
    suggestion:
      kind === URL_PASSWORD_KIND
        ? 'take the user name and password out of the URL: credentials come from environment variables (see .env.example)'
        : `read it from an environment variable instead (see .env.example)${apiKeyHint}`,
  });
}
