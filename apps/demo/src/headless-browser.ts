/**
 * As much of a browser as the sign-in flows need, over plain `fetch`: a cookie jar per origin (the
 * login page's interaction is bound to an HttpOnly cookie), redirects left to the caller (each hop
 * is a step worth printing), and an `Origin` header on every POST, as browsers send it (the
 * interaction API refuses requests that carry neither `Origin` nor `Sec-Fetch-Site`).
 */
export class HeadlessBrowser {
  readonly #jar = new Map<string, Map<string, string>>();

  /** A `fetch` with this browser's cookies, for `AuthClient({ fetch })`. */
  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    const cookies = this.#jar.get(url.origin);
    if (cookies !== undefined && cookies.size > 0) {
      headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    if (request.method !== 'GET' && request.method !== 'HEAD' && !headers.has('origin')) {
      headers.set('origin', url.origin);
    }
    const body = request.body === null ? undefined : await request.arrayBuffer();
    const response = await fetch(url, {
      method: request.method,
      headers,
      body,
      redirect: 'manual',
      signal: request.signal,
    });
    this.#remember(url.origin, response.headers.getSetCookie());
    return response;
  };

  /** GET a page and return where it redirects (a 3xx `Location`, resolved), failing on anything else. */
  async follow(url: string | URL): Promise<URL> {
    const response = await this.fetch(url);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || location === null) {
      const text = await response.text();
      throw new Error(
        `${new URL(url).pathname} answered ${response.status}, not a redirect: ${text.slice(0, 200)}`,
      );
    }
    await response.body?.cancel();
    return new URL(location, url);
  }

  /**
   * Plays the person at a sandbox platform's authorize page: loads it, submits its form (every hidden
   * field, the chosen sandbox user, "allow") and returns where the platform sends the browser back.
   */
  async consentAtPlatform(authorizeUrl: string | URL, user: string): Promise<URL> {
    const page = await this.fetch(authorizeUrl);
    const html = await page.text();
    if (page.status !== 200)
      throw new Error(`the platform's page answered ${page.status}: ${html.slice(0, 200)}`);
    const form = /<form\b[^>]*>/i.exec(html)?.[0];
    const action = form === undefined ? undefined : attribute(form, 'action');
    if (action === undefined) throw new Error(`no form on the platform's page: ${html.slice(0, 200)}`);
    const fields = new URLSearchParams();
    for (const [input] of html.matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input, 'name');
      if (attribute(input, 'type') === 'hidden' && name !== undefined)
        fields.append(name, attribute(input, 'value') ?? '');
    }
    fields.set('user', user);
    fields.set('decision', 'allow');
    const submitted = await this.fetch(new URL(action, authorizeUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    });
    const location = submitted.headers.get('location');
    if (submitted.status !== 302 || location === null) {
      throw new Error(
        `the platform answered ${submitted.status} to "allow": ${(await submitted.text()).slice(0, 200)}`,
      );
    }
    return new URL(location, authorizeUrl);
  }

  #remember(origin: string, setCookies: string[]): void {
    if (setCookies.length === 0) return;
    const cookies = this.#jar.get(origin) ?? new Map<string, string>();
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (expired) cookies.delete(name);
      else cookies.set(name, pair.slice(at + 1).trim());
    }
    this.#jar.set(origin, cookies);
  }
}

function decodeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** One attribute of an HTML start tag, decoded; any attribute order, double or single quotes. */
function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(tag);
  if (match === null) return undefined;
  return decodeHtml(match[1] ?? match[2] ?? '');
}
