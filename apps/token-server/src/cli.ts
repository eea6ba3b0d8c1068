import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { LingpaiError } from '@lingpai/auth-core';
import {
  BIN,
  type CliIo,
  type CliIoOverrides,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  resolveIo,
  UsageError,
} from './cli/cli-io.js';
import { clientCommand } from './cli/client-commands.js';
import { keysCommand } from './cli/key-commands.js';
import { migrateCommand } from './cli/migrate-command.js';
import { serveCommand } from './cli/serve-command.js';
import { userCommand } from './cli/user-commands.js';

export type { CliIo, CliIoOverrides } from './cli/cli-io.js';

export const MAIN_HELP = `Usage: ${BIN} <command> [options]

Commands:
  serve                       run the token server (until SIGTERM)
  migrate                     apply pending schema migrations
  client add|list|remove      manage OAuth clients
  user add                    create a password user
  keys rotate|list            manage signing keys

Run \`${BIN} <command> --help\` for a command's options. Configuration comes from environment
variables (DATABASE_URL, LINGPAI_SECRET, LINGPAI_ISSUER, … — see \`${BIN} serve --help\`) and the
optional JSON file named by LINGPAI_CONFIG.
`;

const COMMANDS: Record<string, (io: CliIo, args: string[]) => Promise<number>> = {
  serve: serveCommand,
  migrate: migrateCommand,
  client: clientCommand,
  user: userCommand,
  keys: keysCommand,
};

/** One line for an error: its message, plus the cause's when that says what actually failed. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  const message = cause && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message;
  return message.replace(/\s*\n\s*/g, ' ');
}

/**
 * The CLI. Returns the exit code: 0 done, 2 a wrong command line, 1 anything that failed while
 * running (configuration, database, a refused operation). Every failure is one line on stderr.
 * Tests pass their own streams and environment as the second argument.
 */
export async function main(argv: string[], overrides?: CliIoOverrides): Promise<number> {
  const io = resolveIo(overrides);
  const [command, ...args] = argv;
  try {
    if (command === undefined) {
      io.stderr.write(MAIN_HELP);
      return EXIT_USAGE;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(MAIN_HELP);
      return EXIT_OK;
    }
    // Own entries only: `toString` or `constructor` must be unknown commands, not Object.prototype's.
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) throw new UsageError(`unknown command "${command}" (see \`${BIN} --help\`)`);
    return await run(io, args);
  } catch (error) {
    io.stderr.write(`${BIN}: error: ${describe(error)}\n`);
    if (error instanceof UsageError) return EXIT_USAGE;
    // Unexpected errors (not ours) get their stack when asked for: they are bugs to report.
    if (!(error instanceof LingpaiError) && io.env.LINGPAI_LOG_LEVEL === 'debug' && error instanceof Error)
      io.stderr.write(`${error.stack ?? ''}\n`);
    return EXIT_FAILURE;
  }
}

// Run directly (`node --import tsx src/cli.ts …`, as the tests do); the bin imports `main` instead.
function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2));
