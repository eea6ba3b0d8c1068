/** Renders provider templates the way the handset would show them. */

/** `${name}` placeholders filled from named params (Aliyun, Volcengine). */
export function renderNamed(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => params[name] ?? '');
}

/** `{1}` (Tencent) or `${1}` (Huawei) placeholders filled from positional params. */
export function renderPositional(template: string, params: readonly string[]): string {
  return template.replace(/\$?\{(\d+)\}/g, (_, index: string) => params[Number(index) - 1] ?? '');
}

/** The variable names a named template needs, in order of first appearance. */
export function namedPlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1] as string))];
}

/** How many positional parameters a template needs (its highest `{n}`). */
export function positionalCount(template: string): number {
  let highest = 0;
  for (const match of template.matchAll(/\$?\{(\d+)\}/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}

/** Chinese providers prepend the sign in full-width brackets. */
export function withSign(sign: string | undefined, text: string): string {
  return sign === undefined || sign === '' ? text : `【${sign}】${text}`;
}
