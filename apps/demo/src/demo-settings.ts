import { DemoError } from './demo-error.js';

/** What `pnpm demo [--once]` runs with: the command line and `PORT` / `SANDBOX_PORT`. */
export interface DemoSettings {
  /** Run every sign-in headless, print what happened and exit (`--once`). */
  once: boolean;
  /** Loopback only: the demo's secrets and seeded password are public. */
  host: '127.0.0.1';
  /** The token server and its login page; 0 picks a free port. */
  port: number;
  /** The sandbox (every platform, imitated); 0 picks a free port. */
  sandboxPort: number;
}

/** The ports a newcomer's browser opens; `--once` takes free ones unless told, so it runs beside them. */
export const DEFAULT_PORT = 8080;
export const DEFAULT_SANDBOX_PORT = 4010;

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > 65_535) {
    throw new DemoError(
      'DEMO_BAD_SETTING',
      `${name} must be a port number from 0 to 65535, got "${value}" (e.g. ${name}=${fallback === 0 ? 8081 : fallback + 1} pnpm demo)`,
    );
  }
  return number;
}

export function readDemoSettings(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): DemoSettings {
  const unknown = argv.filter((arg) => arg !== '--once' && arg !== '--');
  if (unknown.length > 0) {
    throw new DemoError(
      'DEMO_BAD_SETTING',
      `unknown argument ${unknown.map((arg) => `"${arg}"`).join(', ')}: the demo takes only --once (ports: PORT and SANDBOX_PORT)`,
    );
  }
  const once = argv.includes('--once');
  return {
    once,
    host: '127.0.0.1',
    port: port('PORT', env.PORT, once ? 0 : DEFAULT_PORT),
    sandboxPort: port('SANDBOX_PORT', env.SANDBOX_PORT, once ? 0 : DEFAULT_SANDBOX_PORT),
  };
}
