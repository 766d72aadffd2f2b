/**
 * The dashboard's entry: a login form until a token is accepted, then three
 * hash routes (#/agents, #/agents/<id>, #/sessions) rendered into <main>.
 * Every call that comes back 401 returns here, to the form, with the reason.
 */
import { ApiError, forgetToken, keepToken, storedToken, Unauthorized } from './api.js';
import { h } from './dom.js';
import { agentPage } from './agent-page.js';
import { agentsPage } from './agents-page.js';
import { sessionsPage } from './sessions-page.js';
import { whoami, type Identity } from './session.js';

const main = document.getElementById('main') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;

/** Puts a page in <main>; `afterRender` (a refresh after a change) decides the focus, else the heading takes it. */
function show(title: string, content: Node[], afterRender?: () => void): void {
  document.title = `${title} · agentctl`;
  main.replaceChildren(...content);
  const heading = main.querySelector('h1');
  heading?.setAttribute('tabindex', '-1');
  // A new page starts keyboard and screen-reader users at its top.
  if (afterRender === undefined) heading?.focus();
  else afterRender();
}

function loginForm(message?: string): void {
  nav.hidden = true;
  account.replaceChildren();
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'token-help' });
  const form = h(
    'form',
    { id: 'login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Sign in'),
    message === undefined ? null : h('p', { class: 'error', role: 'alert', id: 'login-error' }, message),
    h('label', { for: 'token' }, 'Access token'),
    input,
    h('p', { id: 'token-help', class: 'help' }, 'A token from `agentctl token create <name> --role viewer|developer|admin`. It is kept in this tab only (sessionStorage).'),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    keepToken(input.value.trim());
    void route();
  });
  show('Sign in', [form]);
  input.focus();
}

function header(identity: Identity): void {
  nav.hidden = false;
  const signOut = h('button', { type: 'button', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', () => {
    forgetToken();
    loginForm('Signed out.');
  });
  account.replaceChildren(h('span', { id: 'identity' }, `Signed in as ${identity.name} (${identity.role})`), ' ', signOut);
  for (const link of nav.querySelectorAll('a')) {
    const current = location.hash.startsWith(link.getAttribute('href') ?? '#none') ? 'page' : undefined;
    if (current === undefined) link.removeAttribute('aria-current');
    else link.setAttribute('aria-current', current);
  }
}

async function route(afterRender?: () => void): Promise<void> {
  if (storedToken() === null) return loginForm();
  try {
    const identity = await whoami();
    header(identity);
    const path = location.hash.replace(/^#/, '') || '/agents';
    const agentMatch = /^\/agents\/(.+)$/.exec(path);
    if (agentMatch !== null) {
      const agentId = decodeURIComponent(agentMatch[1] ?? '');
      return show(agentId, await agentPage(agentId, identity, (then) => void route(then)), afterRender);
    }
    if (path === '/sessions') return show('Sessions', await sessionsPage());
    return show('Agents', await agentsPage());
  } catch (error) {
    if (error instanceof Unauthorized) return loginForm(error.message);
    // Too many failed sign-ins from this address: back to the form, which says when to try again.
    if (error instanceof ApiError && error.status === 429) {
      forgetToken();
      return loginForm(error.message);
    }
    const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
    show('Error', [h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, message)]);
  }
}

// The skip link moves focus only: as a plain #main link it would change the hash, which is the route.
document.querySelector('a.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', () => void route());
void route();
