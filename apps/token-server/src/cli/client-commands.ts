import { systemClock } from '@lingpai/auth-core';
import { type Client, type ClientInput, GRANT_TYPES, validateClientInput } from '../clients/client.js';
import { ClientRegistry } from '../clients/client-registry.js';
import { compileAllowList } from '../clients/ip-allow-list.js';
import { systemRandom } from '../crypto/opaque-token.js';
import { ConfigError } from '../errors.js';
import {
  BIN,
  type CliIo,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  integerFlag,
  parseCommand,
  required,
  say,
  table,
  UsageError,
  warn,
} from './cli-io.js';
import { loadConfig, withStorage } from './open-storage.js';

const GRANT_LIST = Object.values(GRANT_TYPES).join(', ');

export const CLIENT_HELP = `Usage: ${BIN} client <add|list|remove> [options]

  client add      register a client (a confidential client's secret is printed once)
  client list     list registered clients (never their secrets)
  client remove   remove a client and end its sessions

Run \`${BIN} client <command> --help\` for the options of each.
`;

export const CLIENT_ADD_HELP = `Usage: ${BIN} client add --id ID --type public|confidential --grant GRANT [options]

Registers a client. A confidential client gets a generated secret, printed once on stdout and stored
only as its SHA-256: copy it when it is shown.

Options:
  --id ID                 client_id (letters, digits, '.', '_', ':', '-'; at most 128)
  --name NAME             display name (default: the id)
  --type TYPE             public (no secret) or confidential (client_secret_basic / _post)
  --grant GRANT           an allowed grant type; repeat for several:
                          ${GRANT_LIST}
  --scope SCOPE           a scope the client may get; repeat for several
  --default-scope SCOPE   granted when a request names none (must be among --scope); repeatable
  --redirect-uri URI      exact redirect URI (https, or http on loopback); repeatable
  --logout-uri URI        post-logout redirect URI; repeatable
  --cors-origin ORIGIN    browser origin allowed by CORS, e.g. https://app.example.com; repeatable
  --refresh-grace SECONDS refresh-token reuse grace, 0 (default) to 60
  --first-party           a client of this deployment (may approve devices, skip consent)
  --ip-allow CIDR         client_credentials only from these addresses; repeatable
  --rate-limit N          client_credentials issuances per minute for this client
  --json                  print the result as JSON
  -h, --help              show this help
`;

export const CLIENT_LIST_HELP = `Usage: ${BIN} client list [--json]

Lists registered clients: id, type, grant types, scopes, first-party flag. Secrets and their hashes
are never printed.
`;

export const CLIENT_REMOVE_HELP = `Usage: ${BIN} client remove --id ID

Removes a client. Its refresh-token families end at once; access tokens it holds stay valid until
they expire.
`;

/** What may be shown of a client: every field but the secret hash, picked one by one. */
function publicView(client: Client) {
  return {
    id: client.id,
    name: client.name,
    type: client.kind,
    grantTypes: client.grantTypes,
    scopes: client.scopes,
    defaultScopes: client.defaultScopes,
    redirectUris: client.redirectUris,
    logoutUris: client.logoutUris,
    corsOrigins: client.corsOrigins,
    refreshGraceSeconds: client.refreshGraceSeconds,
    firstParty: client.firstParty,
    ipAllow: client.ipAllow,
    ...(client.rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute: client.rateLimitPerMinute }),
    ...(client.serviceAccountSub === undefined ? {} : { serviceAccountSub: client.serviceAccountSub }),
  };
}

async function add(io: CliIo, args: string[]): Promise<number> {
  const parsed = parseCommand(io, 'client add', CLIENT_ADD_HELP, args, {
    id: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string' },
    grant: { type: 'string', multiple: true },
    scope: { type: 'string', multiple: true },
    'default-scope': { type: 'string', multiple: true },
    'redirect-uri': { type: 'string', multiple: true },
    'logout-uri': { type: 'string', multiple: true },
    'cors-origin': { type: 'string', multiple: true },
    'refresh-grace': { type: 'string' },
    'first-party': { type: 'boolean' },
    'ip-allow': { type: 'string', multiple: true },
    'rate-limit': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!parsed) return EXIT_OK;
  const { values } = parsed;
  const type = required('client add', 'type', values.type);
  if (type !== 'public' && type !== 'confidential')
    throw new UsageError(`--type must be public or confidential, got "${type}"`);
  const grants = values.grant ?? [];
  if (grants.length === 0) throw new UsageError(`--grant is required, once per grant type (${GRANT_LIST})`);
  const grace = integerFlag('client add', 'refresh-grace', values['refresh-grace']);
  const rateLimit = integerFlag('client add', 'rate-limit', values['rate-limit']);
  const input: ClientInput = {
    id: required('client add', 'id', values.id),
    kind: type,
    grantTypes: grants,
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(values.scope ? { scopes: values.scope } : {}),
    ...(values['default-scope'] ? { defaultScopes: values['default-scope'] } : {}),
    ...(values['redirect-uri'] ? { redirectUris: values['redirect-uri'] } : {}),
    ...(values['logout-uri'] ? { logoutUris: values['logout-uri'] } : {}),
    ...(values['cors-origin'] ? { corsOrigins: values['cors-origin'] } : {}),
    ...(grace === undefined ? {} : { refreshGraceSeconds: grace }),
    ...(values['first-party'] ? { firstParty: true } : {}),
    ...(values['ip-allow'] ? { ipAllow: values['ip-allow'] } : {}),
    ...(rateLimit === undefined ? {} : { rateLimitPerMinute: rateLimit }),
  };
  // Wrong flags are a usage error (exit 2) and are found before the database is opened.
  try {
    validateClientInput(input);
    compileAllowList(input.ipAllow ?? []);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }

  const config = loadConfig(io);
  return withStorage(io, config, 'client add', true, async (db) => {
    const registry = new ClientRegistry(db, systemClock, systemRandom);
    const result = await registry.add(input);
    if (!result.created) {
      throw new ConfigError(
        `client ${input.id} is already registered; \`${BIN} client remove --id ${input.id}\` first to register it anew (a secret cannot be shown twice)`,
      );
    }
    if (values.json) {
      say(
        io,
        JSON.stringify({
          ...publicView(result.client),
          ...(result.secret === undefined ? {} : { clientSecret: result.secret }),
        }),
      );
    } else {
      say(io, `registered ${result.client.kind} client ${result.client.id}`);
      if (result.secret !== undefined) say(io, `client_secret: ${result.secret}`);
    }
    if (result.secret !== undefined) {
      warn(
        io,
        'the client secret above is shown only this once and stored only as a hash: copy it now. If it is lost, remove the client and add it again.',
      );
    }
    return EXIT_OK;
  });
}

async function list(io: CliIo, args: string[]): Promise<number> {
  const parsed = parseCommand(io, 'client list', CLIENT_LIST_HELP, args, { json: { type: 'boolean' } });
  if (!parsed) return EXIT_OK;
  const config = loadConfig(io);
  return withStorage(io, config, 'client list', true, async (db) => {
    const clients = (await new ClientRegistry(db, systemClock, systemRandom).list()).map(publicView);
    if (parsed.values.json) {
      say(io, JSON.stringify(clients));
      return EXIT_OK;
    }
    say(
      io,
      table(
        ['ID', 'TYPE', 'FIRST-PARTY', 'GRANTS', 'SCOPES'],
        clients.map((client) => [
          client.id,
          client.type,
          client.firstParty ? 'yes' : 'no',
          client.grantTypes.join(','),
          client.scopes.join(' '),
        ]),
      ),
    );
    return EXIT_OK;
  });
}

async function remove(io: CliIo, args: string[]): Promise<number> {
  const parsed = parseCommand(io, 'client remove', CLIENT_REMOVE_HELP, args, { id: { type: 'string' } });
  if (!parsed) return EXIT_OK;
  const id = required('client remove', 'id', parsed.values.id);
  const config = loadConfig(io);
  return withStorage(io, config, 'client remove', true, async (db) => {
    const removed = await new ClientRegistry(db, systemClock, systemRandom).remove(id);
    if (!removed) {
      io.stderr.write(`${BIN}: error: no client ${id} (see \`${BIN} client list\`)\n`);
      return EXIT_FAILURE;
    }
    say(io, `removed client ${id}; its refresh-token families are ended`);
    return EXIT_OK;
  });
}

export async function clientCommand(io: CliIo, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') return add(io, rest);
  if (sub === 'list') return list(io, rest);
  if (sub === 'remove') return remove(io, rest);
  if (sub === undefined) {
    io.stderr.write(CLIENT_HELP);
    return EXIT_USAGE;
  }
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(CLIENT_HELP);
    return EXIT_OK;
  }
  throw new UsageError(`unknown command "client ${sub}" (see \`${BIN} client --help\`)`);
}
