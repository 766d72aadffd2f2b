import { call } from './api.js';

type Role = 'viewer' | 'developer' | 'admin';

/** Who the token belongs to: the dashboard shows what the role may do, the API enforces it. */
export interface Identity {
  name: string;
  role: Role;
}

export function whoami(): Promise<Identity> {
  return call<Identity>('GET', '/api/v1/auth/whoami');
}

export function mayWrite(identity: Identity): boolean {
  return identity.role === 'developer' || identity.role === 'admin';
}
