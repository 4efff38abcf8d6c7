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

export function verifyPage(p: {
  userCode: string;
  signedInAs?: string | undefined;
  csrf?: string | undefined;
  error?: string;
  done?: string;
}): string {
  const body = p.signedInAs
    ? `<p>Signed in as <b>${escapeHtml(p.signedInAs)}</b>.</p>
      <form method="post" action="/auth/device/verify">
        <input type="hidden" name="csrf_token" value="${escapeHtml(p.csrf ?? '')}">
        <label>Code shown on the machine <input name="user_code" value="${escapeHtml(p.userCode)}" autocomplete="off" required autofocus></label>
        <button name="decision" value="approve">Approve</button>
        <button name="decision" value="deny">Deny</button>
      </form>`
    : `<p>Sign in to approve a machine.</p>
      <form id="login">
        <label>Email <input name="email" type="email" required></label>
        <label>Password <input name="password" type="password" required></label>
        <button>Sign in</button>
      </form>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>takt · approve a machine</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="stylesheet" href="/auth/device/verify.css">
<script src="/auth/device/verify.js" defer></script>
</head><body><h1>Approve a machine</h1>
${p.error ? `<p class="err" role="alert">${escapeHtml(p.error)}</p>` : ''}${p.done ? `<p class="ok" role="status">${escapeHtml(p.done)}</p>` : ''}
<p id="msg" class="err"></p>
${body}
</body></html>`;
}

export const VERIFY_PAGE_CSS = `body{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.6rem 0}
input{font:inherit;padding:.3rem;width:100%}button{font:inherit;margin:.4rem .4rem 0 0;padding:.4rem 1rem}.err{color:#b00}.ok{color:#070}
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
