import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, Result } from 'axe-core';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.2 A and AA, and axe's best practices (landmarks, one h1, …). */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

function describe(violations: Result[]): string {
  return violations
    .map(
      (v) =>
        `  ${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n${v.nodes
          .slice(0, 5)
          .map((n) => `    ${n.target.join(' ')} — ${n.failureSummary?.replace(/\n/g, ' ') ?? ''}`)
          .join('\n')}`,
    )
    .join('\n');
}

/**
 * Runs axe-core in the page and throws on any violation. axe is injected with `page.evaluate` —
 * CDP's `Runtime.evaluate`, which the page's CSP does not govern — never by relaxing the policy or
 * adding a `<script>`. Frames of other origins (the WeChat QR page) are not ours and not checked.
 */
export async function expectNoAxeViolations(page: Page, label = page.url()): Promise<void> {
  const injected = await page.evaluate('typeof window.axe === "object"');
  if (!injected) await page.evaluate(axeSource);
  const results = (await page.evaluate(
    (tags) =>
      (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<unknown> } }).axe.run(
        document,
        { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'], iframes: false },
      ),
    TAGS,
  )) as AxeResults;
  if (results.violations.length > 0) {
    throw new Error(`axe found violations on ${label}:\n${describe(results.violations)}`);
  }
}
