// examples/file-storage.ts
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthClient, type AuthStorage } from '@lingpai/auth-client';

// A CLI keeps its session in a file between runs: any object with get/set/remove (sync or async).
const dir = await mkdtemp(join(tmpdir(), 'lingpai-'));
const file = join(dir, 'session.json');
const load = async (): Promise<Record<string, string>> =>
  JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<string, string>;
const fileStorage: AuthStorage = {
  get: async (key) => (await load())[key],
  set: async (key, value) =>
    writeFile(file, JSON.stringify({ ...(await load()), [key]: value }), { mode: 0o600 }),
  remove: async (key) => {
    const { [key]: _gone, ...rest } = await load();
    await writeFile(file, JSON.stringify(rest), { mode: 0o600 });
  },
};

const issuer = process.env.LINGPAI_ISSUER ?? 'http://127.0.0.1:8080';
const first = new AuthClient({ issuer, clientId: 'lingpai', storage: fileStorage });
await first.signIn({ username: 'zhangsan', password: 'DemoPass123!@#' });

// A client made later — the CLI's next run — finds the session (and the same x-device-id) in the file.
const next = new AuthClient({ issuer, clientId: 'lingpai', storage: fileStorage });
console.log((await next.getUserInfo()).username, await next.getDeviceId());
await next.signOut();
await rm(dir, { recursive: true });
