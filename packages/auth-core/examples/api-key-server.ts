// examples/api-key-server.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiKeyVerifier, isLingpaiError, MemoryStore, signApiKeyRequest } from '@lingpai/auth-core';

// Your own API: the server verifies host, time window and signature, and only then records the nonce.
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
const verifier = createApiKeyVerifier({
  hosts: [host], // every Host this server answers as, e.g. 'api.example.com'
  lookupSecret: async (keyId) => (keyId === 'k1' ? 's3cr3t' : undefined),
  nonceStore: new MemoryStore(), // one process; a RedisStore (@lingpai/redis) for several
  maxNoncesPerKey: 1_000, // per key id per 10 min
});
server.on('request', async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    // req.url exactly as received, and the raw body bytes.
    const { keyId } = await verifier.verify({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
    });
    res.end(`hello ${keyId}`);
  } catch (error) {
    res.statusCode = isLingpaiError(error, 'SIGNATURE_NONCE_LIMIT') ? 429 : 401;
    res.end(isLingpaiError(error) ? error.code : 'error'); // log the code, tell the client only 401
  }
});

// The client signs method, host, path, query, body, time and a nonce.
const url = `http://${host}/v1/send?x=1`;
const body = JSON.stringify({ to: '+8613800000000' });
const signed = signApiKeyRequest({ method: 'POST', url, body }, { keyId: 'k1', secret: 's3cr3t' });
const init = { method: 'POST', body, headers: { ...signed.headers, 'content-type': 'application/json' } };
const first = await fetch(url, init);
console.log(first.status, await first.text()); // 200 hello k1
const replay = await fetch(url, init);
console.log(replay.status, await replay.text()); // 401 SIGNATURE_REUSED_NONCE
server.closeAllConnections();
server.close();
