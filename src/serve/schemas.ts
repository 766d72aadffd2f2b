/**
 * JSON Schemas shared by the routes (Fastify validates requests with them and
 * serialises responses through them).
 */

/** Any JSON object; prototype-reaching keys never get here (the body parser refuses them). */
export const OBJECT = { type: 'object', additionalProperties: true } as const;

export const REVISION = { type: 'integer', minimum: 1 } as const;

// Query strings are text: the server's Ajv coerces no types (a body's `"true"` is not `true`), so they are matched as written.
export const REVISION_TEXT = { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } as const;
export const BOOLEAN_TEXT = { type: 'string', enum: ['true', 'false'] } as const;

/**
 * An agent id in a path: what the store may hold (agentctl's kebab-case ids,
 * and ids other tools wrote), never `/`, `..` at the start, or control
 * characters. One character class: linear time.
 */
export const AGENT_ID_PARAM = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' } as const;

/** The seed's SchemaFieldRequest; the full validate of the resulting agent checks the rest. */
export const FIELD_SCHEMA = {
  type: 'object',
  required: ['field_name', 'field_type', 'description'],
  properties: {
    field_name: { type: 'string', minLength: 1, maxLength: 128 },
    field_type: { type: 'string', minLength: 1, maxLength: 4096 },
    description: { type: 'string' },
    required: { type: 'boolean' },
    default: {},
    constraints: OBJECT,
    metadata: OBJECT,
  },
  additionalProperties: false,
} as const;

const ERROR_BODY = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        problems: {
          type: 'array',
          items: {
            type: 'object',
            required: ['code', 'severity', 'message', 'path', 'line', 'column'],
            properties: {
              code: { type: 'string' },
              severity: { type: 'string' },
              message: { type: 'string' },
              path: { type: 'string' },
              line: { type: 'integer' },
              column: { type: 'integer' },
              suggestion: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;

/** The error responses a route documents, all of one shape. */
export function errorResponses(...statuses: number[]): Record<number, typeof ERROR_BODY> {
  return Object.fromEntries(statuses.map((status) => [status, ERROR_BODY]));
}
