// Target: the hand-rolled minimum token endpoint. Fastify, client_credentials with Basic auth against
// a client Map (SHA-256 secret compare in constant time), an equivalent RFC 9068 JWT signed by async
// `crypto.sign` with a cached KeyObject, and the same audit write as ours: rows group-committed into
// PostgreSQL (`audit_events`, same columns), the response waiting until its row is committed. No
// schema validation, no rate limit, no hooks: the least a correct endpoint must do.
import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  timingSafeEqual,
} from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import {
  announce,
  basicAuth,
  benchSchema,
  CLIENT_ID,
  CLIENT_SECRET,
  configOf,
  DATABASE_URL,
  ENV_ID,
  FORM,
  ISSUER,
  onStop,
  SCOPE,
} from './protocol.js';

const { alg } = configOf<{ alg: 'RS256' | 'EdDSA' }>();
const { schema, drop } = await benchSchema();
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 20, options: `-c search_path=${schema}` });
await pool.query(`CREATE TABLE audit_events (
  id bigserial PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL, client_id text, sub text, ip text,
  detail jsonb NOT NULL DEFAULT '{}')`);
await pool.query('CREATE INDEX audit_events_at ON audit_events (at)');

const keys =
  alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
const privateKey: KeyObject = keys.privateKey;
const kid = 'bench-key';
const sha256 = (value: string) => createHash('sha256').update(value).digest();
const clients = new Map([[CLIENT_ID, { secretHash: sha256(CLIENT_SECRET), scope: SCOPE }]]);

// Group commit, as ours: while one INSERT is in flight, new rows queue for the next.
type Row = [Date, string, string, string, string, string];
let queue: Array<{ row: Row; done: (error?: unknown) => void }> = [];
let flushing = false;
async function drain(): Promise<void> {
  flushing = true;
  await new Promise<void>((resolve) => setImmediate(resolve));
  while (queue.length > 0) {
    const batch = queue;
    queue = [];
    const values = batch.map(
      (_, i) => `($${i * 6 + 1},$${i * 6 + 2},$${i * 6 + 3},$${i * 6 + 4},$${i * 6 + 5},$${i * 6 + 6})`,
    );
    try {
      await pool.query(
        `INSERT INTO audit_events (at, kind, client_id, sub, ip, detail) VALUES ${values.join(',')}`,
        batch.flatMap((item) => item.row),
      );
      for (const item of batch) item.done();
    } catch (error) {
      for (const item of batch) item.done(error);
    }
  }
  flushing = false;
}
function audit(row: Row): Promise<void> {
  return new Promise((resolve, reject) => {
    queue.push({ row, done: (error) => (error ? reject(error) : resolve()) });
    if (!flushing) void drain();
  });
}

function signJwt(payload: object): Promise<string> {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${b64({ alg, typ: 'at+jwt', kid })}.${b64(payload)}`;
  return new Promise((resolve, reject) => {
    sign(alg === 'RS256' ? 'sha256' : null, Buffer.from(input), privateKey, (error, signature) => {
      if (error) reject(error);
      else resolve(`${input}.${signature.toString('base64url')}`);
    });
  });
}

const app = Fastify({ logger: false });
app.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
  done(null, Object.fromEntries(new URLSearchParams(body as string)));
});
app.post('/token', async (request, reply) => {
  reply.header('cache-control', 'no-store');
  const body = request.body as Record<string, string>;
  const header = request.headers.authorization ?? '';
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const id = decodeURIComponent(decoded.slice(0, colon));
  const client = clients.get(id);
  const presented = sha256(decodeURIComponent(decoded.slice(colon + 1)));
  if (
    !header.startsWith('Basic ') ||
    colon < 0 ||
    !client ||
    !timingSafeEqual(presented, client.secretHash)
  ) {
    return reply.code(401).send({ error: 'invalid_client' });
  }
  if (body.grant_type !== 'client_credentials')
    return reply.code(400).send({ error: 'unsupported_grant_type' });
  const iat = Math.floor(Date.now() / 1_000);
  const sub = `service:${id}`;
  const token = await signJwt({
    iss: ISSUER,
    sub,
    aud: ENV_ID,
    exp: iat + 7_200,
    iat,
    jti: randomBytes(16).toString('base64url'),
    client_id: id,
    scope: client.scope,
    groups: [],
  });
  await audit([
    new Date(),
    'client_credentials',
    id,
    sub,
    request.ip,
    JSON.stringify({ scope: client.scope, method: 'client_secret_basic', exp: iat + 7_200 }),
  ]);
  return { token_type: 'Bearer', access_token: token, expires_in: 7_200, scope: client.scope, sub };
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (typeof address !== 'object' || address === null) throw new Error('no address');
onStop(async () => {
  await app.close();
  await pool.end();
  await drop();
});
announce({
  port: address.port,
  method: 'POST',
  path: '/token',
  headers: { authorization: basicAuth(CLIENT_ID, CLIENT_SECRET), 'content-type': FORM },
  body: 'grant_type=client_credentials',
});
