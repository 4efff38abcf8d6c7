/**
 * The device verification page, server-rendered. Its style and its one script (signing in
 * through POST /auth/login) are served from their own URLs: the CSP (security-headers.ts)
 * allows no inline script or style.
 */
const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );

/** A request that came through the verification_uri_complete link: who asks, from where, since when. */
export interface LinkedRequest {
  machine: string;
  address: string | null;
  startedAt: number;
  userCode: string;
}

function ago(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute ago';
  return minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`;
}

/**
 * RFC 8628 §5.4: a link that carries the code lets anyone who started a flow phish a signed-in
 * person, so the page names the request, warns, and leaves the code for the person to type.
 */
function linkedRequest(r: LinkedRequest, now: number): string {
  return `<p class="warn" role="note"><b>Approve only a machine you are setting up right now.</b> If you did not just run <code>takt setup</code> there, deny: someone else may have sent you this link.</p>
      <dl>
        <dt>Machine</dt><dd data-testid="device-machine">${escapeHtml(r.machine)}</dd>
        <dt>Asked from</dt><dd data-testid="device-address">${escapeHtml(r.address ?? 'unknown address')}</dd>
        <dt>Asked</dt><dd data-testid="device-age">${ago(now - r.startedAt)}</dd>
      </dl>
        <input type="hidden" name="link_code" value="${escapeHtml(r.userCode)}">`;
}

export function verifyPage(p: {
  userCode: string;
  signedInAs?: string | undefined;
  csrf?: string | undefined;
  error?: string;
  done?: string;
  linked?: LinkedRequest | undefined;
  now?: number;
}): string {
  const codeLabel = p.linked
    ? 'Type the code your terminal shows (or its last 4 characters)'
    : 'Code shown on the machine';
  const body = p.signedInAs
    ? `<p>Signed in as <b>${escapeHtml(p.signedInAs)}</b>.</p>
      <form method="post" action="/auth/device/verify">
        <input type="hidden" name="csrf_token" value="${escapeHtml(p.csrf ?? '')}">
        ${p.linked ? linkedRequest(p.linked, p.now ?? Date.now()) : ''}
        <label>${codeLabel} <input name="user_code" value="${p.linked ? '' : escapeHtml(p.userCode)}" autocomplete="off" required autofocus></label>
        <button class="primary" name="decision" value="approve">Approve</button>
        <button name="decision" value="deny" formnovalidate>Deny</button>
      </form>`
    : `<p>Sign in to approve a machine.</p>
      <form id="login">
        <label>Email <input name="email" type="email" required></label>
        <label>Password <input name="password" type="password" required></label>
        <button class="primary">Sign in</button>
      </form>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>takt · approve a machine</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="stylesheet" href="/auth/device/verify.css">
<script src="/auth/device/verify.js" defer></script>
</head><body><main><h1>Approve a machine</h1><div class="card">
${p.error ? `<p class="err" role="alert">${escapeHtml(p.error)}</p>` : ''}${p.done ? `<p class="ok" role="status">${escapeHtml(p.done)}</p>` : ''}
<p id="msg" class="err"></p>
${body}
</div></main></body></html>`;
}

/**
 * The dashboard's look (web/src/styles.css: its palette, light and dark from the system, a card
 * on the page's background, the primary button), kept small: this page is not part of the
 * dashboard's build, so that it works before the dashboard is built.
 */
export const VERIFY_PAGE_CSS = `:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#16181d;--muted:#50555f;--border:#d9dce2;--accent:#1f5fbf;--accent-fg:#fff;--ok:#1d7a3e;--over:#b3261e;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:15px;line-height:1.45;background:var(--bg);color:var(--fg)}
@media (prefers-color-scheme:dark){:root{--bg:#111318;--card:#1b1e25;--fg:#e8eaee;--muted:#a9afba;--border:#323743;--accent:#7aa7f5;--accent-fg:#0b1020;--ok:#5fcf86;--over:#ff8a80}}
body{margin:0}main{max-width:440px;margin:48px auto;padding:0 20px}h1{font-size:1.6rem;margin:0 0 12px}
.card{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:14px 16px}
label{display:block;margin:.6rem 0;color:var(--muted)}input{display:block;box-sizing:border-box;width:100%;font:inherit;margin-top:4px;padding:6px 8px;border:1px solid var(--border);border-radius:6px;background:var(--bg);color:var(--fg)}
button{font:inherit;margin:.6rem .4rem 0 0;padding:6px 12px;border-radius:6px;border:1px solid var(--border);background:var(--card);color:var(--fg);cursor:pointer}
button.primary{background:var(--accent);color:var(--accent-fg);border-color:var(--accent)}
.warn{border-left:4px solid var(--over);padding:4px 10px}dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:.6rem 0}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.err{color:var(--over)}.ok{color:var(--ok)}.err:empty{display:none}
`;

/** Signs in from the page's login form, then reloads it to show the approve form. */
export const VERIFY_PAGE_JS = `document.getElementById('login')?.addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const r = await fetch('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: f.get('email'), password: f.get('password') }) });
  if (r.ok) location.reload(); else document.getElementById('msg').textContent = (await r.json()).error.message;
});
`;
