// Target: a bare Fastify route returning a small JSON (the ceiling of any Fastify endpoint here).
import Fastify from 'fastify';
import { announce, onStop } from './protocol.js';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (typeof address !== 'object' || address === null) throw new Error('no address');
onStop(() => app.close());
announce({ port: address.port, method: 'GET', path: '/hello', headers: {} });
