/**
 * The dashboard's calls to the admin API: every request carries the token the
 * login form took (kept in sessionStorage, so it lasts as long as the tab),
 * as a bearer. A 401 means the token is gone or wrong: the caller sends the
 * user back to the form with the server's reason.
 */

const TOKEN_KEY = 'agentctl.token';

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function keepToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** The token was refused (or there is none): the page goes back to the login form with this message. */
export class Unauthorized extends Error {}

/** Any other failed call, with the API's own message when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The API's message (`{ error: { code, message } }`), else the status line. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // not JSON: the status line says enough
  }
  return `${response.status} ${response.statusText}`;
}

export async function call<T>(method: 'GET' | 'POST', path: string): Promise<T> {
  const token = storedToken();
  if (token === null) throw new Unauthorized('Sign in with an access token.');
  const response = await fetch(path, { method, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  if (response.status === 401) {
    forgetToken();
    throw new Unauthorized(`The token was refused (401): ${await errorMessage(response)}`);
  }
  if (!response.ok) throw new ApiError(response.status, `${method} ${path} failed (${response.status}): ${await errorMessage(response)}`);
  return (await response.json()) as T;
}

/** A path segment from untrusted data (an agent id, a tenant), encoded so it cannot change which route is called. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
