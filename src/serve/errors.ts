import type { FastifyReply } from 'fastify';

/**
 * Every error the API answers with has one shape: `{ error: { code, message } }`
 * (plus `problems` for an invalid definition), so that a client branches on
 * `code`, never on the wording.
 */
interface ApiErrorBody {
  error: { code: string; message: string; problems?: ApiProblem[] };
}

/** A validate problem as the API reports it: the same code, message and JSON pointer `agentctl validate` gives. */
export interface ApiProblem {
  code: string;
  severity: string;
  message: string;
  path: string;
  line: number;
  column: number;
  suggestion?: string;
}

/** An expected refusal: answered with its status and code, never logged as a failure. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly problems?: ApiProblem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, problems?: ApiProblem[]): FastifyReply {
  const body: ApiErrorBody = { error: { code, message, ...(problems === undefined ? {} : { problems }) } };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
