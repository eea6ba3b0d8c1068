import { type ParseArgsConfig, parseArgs } from 'node:util';
import { LingpaiError } from '@lingpai/auth-core';
import type { Environment } from '../env-config.js';

export const BIN = 'lingpai-token-server';

/** Where a command writes, reads and looks: the process's by default, a test's own when injected. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** Read by `user add --password-stdin`. */
  stdin: AsyncIterable<string | Buffer>;
  env: Environment;
  /** Relative LINGPAI_DATA_DIR / LINGPAI_CONFIG paths resolve against it. */
  cwd: string;
  /** `serve` stops on SIGTERM/SIGINT of this process (the bin); in-process callers use `signal`. */
  processSignals: boolean;
  /** Aborting it stops `serve` as SIGTERM would. */
  signal?: AbortSignal;
}

/** What `main` accepts as its second argument: any part of CliIo. */
export type CliIoOverrides = Partial<CliIo>;

export function resolveIo(overrides: CliIoOverrides | undefined): CliIo {
  return {
    stdout: overrides?.stdout ?? process.stdout,
    stderr: overrides?.stderr ?? process.stderr,
    stdin: overrides?.stdin ?? process.stdin,
    env: overrides?.env ?? process.env,
    cwd: overrides?.cwd ?? process.cwd(),
    // Only the real process (no overrides at all) owns the process's signals by default.
    processSignals: overrides?.processSignals ?? overrides === undefined,
    ...(overrides?.signal ? { signal: overrides.signal } : {}),
  };
}

/** A wrong command line: exit code 2, the message says what to type instead. */
export class UsageError extends LingpaiError<'CLI_USAGE'> {
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function say(io: CliIo, text: string): void {
  io.stdout.write(`${text}\n`);
}

export function warn(io: CliIo, text: string): void {
  io.stderr.write(`${BIN}: warning: ${text}\n`);
}

export function note(io: CliIo, text: string): void {
  io.stderr.write(`${BIN}: ${text}\n`);
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

type Parsed<T extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ options: T; strict: true; allowPositionals: true }>
>;

/**
 * parseArgs with the errors turned into UsageError naming the command's help, and `--help` on every
 * command. Returns undefined when help was asked for (and printed).
 */
export function parseCommand<const T extends OptionsConfig>(
  io: CliIo,
  command: string,
  help: string,
  args: string[],
  options: T,
  maxPositionals = 0,
): { values: Parsed<T>['values']; positionals: string[] } | undefined {
  let parsed: Parsed<T>;
  let wantsHelp = false;
  try {
    const withHelp = { ...options, help: { type: 'boolean', short: 'h' } } as const;
    const result = parseArgs({ args, options: withHelp, strict: true, allowPositionals: true });
    wantsHelp = (result.values as Record<string, unknown>).help === true;
    parsed = result as unknown as Parsed<T>;
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see \`${BIN} ${command} --help\`)`);
  }
  if (wantsHelp) {
    io.stdout.write(help);
    return undefined;
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(
      `unexpected argument "${parsed.positionals[maxPositionals]}" (see \`${BIN} ${command} --help\`)`,
    );
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** A whole non-negative number given as a flag. */
export function integerFlag(command: string, flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value))
    throw new UsageError(
      `--${flag} must be a whole number, got "${value}" (see \`${BIN} ${command} --help\`)`,
    );
  return Number(value);
}

/** A flag the command cannot run without. */
export function required(command: string, flag: string, value: string | undefined): string {
  if (value === undefined || value === '')
    throw new UsageError(`--${flag} is required (see \`${BIN} ${command} --help\`)`);
  return value;
}

/** A plain-text table: columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [format(headers), ...rows.map(format)].join('\n');
}
