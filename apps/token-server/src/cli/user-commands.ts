import { systemClock } from '@lingpai/auth-core';
import { DEFAULT_ARGON2 } from '../config.js';
import { systemRandom } from '../crypto/opaque-token.js';
import { createArgon2Hasher } from '../users/password-hasher.js';
import { UserRepository } from '../users/user-repository.js';
import {
  BIN,
  type CliIo,
  EXIT_OK,
  EXIT_USAGE,
  parseCommand,
  required,
  say,
  UsageError,
  warn,
} from './cli-io.js';
import { loadConfig, withStorage } from './open-storage.js';

export const USER_HELP = `Usage: ${BIN} user add [options]

  user add   create a user who can sign in with a password

Run \`${BIN} user add --help\` for its options.
`;

export const USER_ADD_HELP = `Usage: ${BIN} user add --username NAME (--password-stdin | --password PASSWORD) [options]

Creates a user. The password is hashed with argon2id (the server's parameters, LINGPAI_CONFIG's
"argon2") and never stored or printed. Prints the new user's sub.

Options:
  --username NAME     sign-in name (1–64 characters, no spaces; compared case-folded)
  --password-stdin    read the password from standard input (one line; preferred)
  --password PASSWORD the password on the command line (visible in shell history and \`ps\`)
  --email EMAIL       email address
  --phone PHONE       phone number, e.g. "+86 13800000000"
  --group GROUP       a group the user belongs to (the tokens' "groups"); repeatable
  -h, --help          show this help
`;

/** One line from stdin: the password, without its line ending (what `echo pw |` and a prompt give). */
async function readPassword(io: CliIo): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.length > 4_096) throw new UsageError('--password-stdin: the input is longer than a password');
  }
  return text.replace(/\r?\n$/, '');
}

async function add(io: CliIo, args: string[]): Promise<number> {
  const parsed = parseCommand(io, 'user add', USER_ADD_HELP, args, {
    username: { type: 'string' },
    password: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    email: { type: 'string' },
    phone: { type: 'string' },
    group: { type: 'string', multiple: true },
  });
  if (!parsed) return EXIT_OK;
  const { values } = parsed;
  const username = required('user add', 'username', values.username);
  if (values.password !== undefined && values['password-stdin'])
    throw new UsageError('give --password or --password-stdin, not both');
  if (values.password === undefined && !values['password-stdin'])
    throw new UsageError(
      `a password is needed: --password-stdin (or --password) (see \`${BIN} user add --help\`)`,
    );
  if (values.password !== undefined)
    warn(io, '--password leaves the password in shell history and the process list; prefer --password-stdin');
  const password = values.password ?? (await readPassword(io));
  if (password.length === 0) throw new UsageError('the password is empty');
  if (password.length > 1_024) throw new UsageError('the password is longer than 1024 characters');

  const config = loadConfig(io);
  // The same argon2id parameters the server verifies and rehashes with.
  const argon2 = { ...DEFAULT_ARGON2, ...config.options.argon2 };
  return withStorage(io, config, 'user add', true, async (db) => {
    const users = new UserRepository(db, systemClock, systemRandom, createArgon2Hasher(argon2));
    const user = await users.create({
      username,
      password,
      ...(values.email === undefined ? {} : { email: values.email }),
      ...(values.phone === undefined ? {} : { phoneNumber: values.phone }),
      ...(values.group ? { groups: values.group } : {}),
    });
    say(io, `created user ${user.username ?? username} with sub ${user.sub}`);
    return EXIT_OK;
  });
}

export async function userCommand(io: CliIo, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') return add(io, rest);
  if (sub === undefined) {
    io.stderr.write(USER_HELP);
    return EXIT_USAGE;
  }
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(USER_HELP);
    return EXIT_OK;
  }
  throw new UsageError(`unknown command "user ${sub}" (see \`${BIN} user --help\`)`);
}
