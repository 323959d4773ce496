/**
 * Logging in to a master with authentication. The page trades a principal and secret for a
 * short-lived bearer token (POST /auth/token) and sends that token with every API call; the secret
 * itself is never kept. The token lives in memory and in sessionStorage (gone with the tab), never in
 * localStorage. `mesoscloud ui` can hand a token over in the address's fragment (#token=...), which is
 * read once and removed from the address bar and the history.
 */
import { NO_PROMPT } from './api';
import { h, replace } from './dom';

const STORAGE_KEY = 'mesoscloud.token';
let token: string | undefined;

/** Takes a token from #token=... (then rewrites the address without it), else from this tab's session. */
export function takeToken(): void {
  const match = /(?:^#|[#&])token=([^&]+)/.exec(location.hash);
  if (match) {
    remember(decodeURIComponent(match[1]));
    window.history.replaceState(null, '', `${location.pathname}${location.search}#/`);
    return;
  }
  token = sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

/** What every API call carries: the token, when there is one. */
export function authHeaders(): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** The master refused our token (it expired, or the cluster's secrets changed): log in again. */
export function loginAgain(): void {
  token = undefined;
  sessionStorage.removeItem(STORAGE_KEY);
  location.reload();
}

/** True when the master wants credentials this page does not have. */
export async function loginNeeded(): Promise<boolean> {
  const res = await fetch('/api/v1', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders() },
    body: JSON.stringify({ type: 'GET_HEALTH' }),
    credentials: NO_PROMPT,
  });
  if (res.status !== 401) return false;
  token = undefined;
  sessionStorage.removeItem(STORAGE_KEY);
  return true;
}

/** The login form; `onLoggedIn` runs once a token was issued. */
export function loginForm(onLoggedIn: () => void): HTMLElement {
  const principal = h('input', { name: 'principal', autocomplete: 'username', required: true, 'aria-label': 'Principal' });
  const secret = h('input', { name: 'secret', type: 'password', autocomplete: 'current-password', required: true, 'aria-label': 'Secret' });
  const problem = h('p', { class: 'login-error', role: 'alert' });
  const submit = async (event: Event) => {
    event.preventDefault();
    replace(problem);
    const res = await fetch('/auth/token', {
      method: 'POST', headers: { Authorization: basic(principal.value, secret.value), Accept: 'application/json' }, credentials: NO_PROMPT,
    });
    secret.value = '';
    if (!res.ok) {
      replace(problem, res.status === 401 ? 'Wrong principal or secret.' : `Login failed (HTTP ${res.status}).`);
      return;
    }
    remember(((await res.json()) as { token: string }).token);
    onLoggedIn();
  };
  return h('form', { class: 'login', onsubmit: (e: Event) => void submit(e) },
    h('h1', null, 'mesoscloud'),
    h('p', null, 'This cluster requires authentication.'),
    h('label', null, 'Principal', principal),
    h('label', null, 'Secret', secret),
    h('button', { type: 'submit' }, 'Log in'),
    problem);
}

/**
 * A download link's click: a plain navigation cannot carry the token, so with one the file is fetched
 * with it and handed to the browser as a blob.
 */
export function authenticatedDownload(event: Event): void {
  if (!token) return;
  event.preventDefault();
  const link = event.currentTarget as HTMLAnchorElement;
  void fetch(link.getAttribute('href') ?? '', { headers: authHeaders(), credentials: NO_PROMPT }).then(async (res) => {
    if (res.status === 401) return loginAgain();
    if (!res.ok) return;
    const url = URL.createObjectURL(await res.blob());
    const save = h('a', { href: url, download: link.getAttribute('download') ?? '' });
    save.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });
}

function remember(value: string): void {
  token = value;
  sessionStorage.setItem(STORAGE_KEY, value);
}

function basic(principal: string, secret: string): string {
  const bytes = new TextEncoder().encode(`${principal}:${secret}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}
