import type { BrowserContext } from 'playwright-core';

export interface CspViolation {
  /** Where it came from: `event` (a `securitypolicyviolation` event) or `console` ("Refused to …"). */
  via: 'event' | 'console';
  /** The page (or frame) the violation happened in. */
  url: string;
  directive?: string;
  blockedURI?: string;
  sample?: string;
  text?: string;
}

export interface CspWatch {
  readonly violations: CspViolation[];
  /** Throws, listing every violation seen in this profile so far. */
  assertNone(): void;
}

const BINDING = '__lingpaiCspViolation';

/**
 * Records every CSP violation in a profile, in every page and frame. The listener is an init
 * script (`Page.addScriptToEvaluateOnNewDocument`, which Chromium runs before the page's own
 * scripts without relaxing its CSP) reporting through a CDP binding, so nothing the page's policy
 * forbids is needed to watch it. Console "Refused to …" messages are the backstop for what raises
 * no event in the document. (A `frame-ancestors` refusal raises neither in Chromium 156: the
 * harness test checks it by the frame's error page.)
 */
export async function watchCsp(context: BrowserContext): Promise<CspWatch> {
  const violations: CspViolation[] = [];
  await context.exposeBinding(BINDING, (source, detail: Omit<CspViolation, 'via' | 'url'>) => {
    violations.push({ via: 'event', url: source.frame.url(), ...detail });
  });
  await context.addInitScript((binding: string) => {
    document.addEventListener(
      'securitypolicyviolation',
      (event) => {
        const report = (window as unknown as Record<string, (detail: unknown) => void>)[binding];
        report?.({
          directive: event.effectiveDirective,
          blockedURI: event.blockedURI,
          sample: event.sample,
        });
      },
      true,
    );
  }, BINDING);
  context.on('console', (message) => {
    const text = message.text();
    if (/Refused to|Content Security Policy/i.test(text)) {
      violations.push({ via: 'console', url: message.page()?.url() ?? '', text });
    }
  });
  return {
    violations,
    assertNone() {
      if (violations.length > 0) {
        throw new Error(
          `Content-Security-Policy violations:\n${violations.map((v) => `  ${JSON.stringify(v)}`).join('\n')}`,
        );
      }
    },
  };
}
