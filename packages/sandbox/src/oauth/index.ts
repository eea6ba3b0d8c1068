import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';

/** Registers every OAuth / app-token platform imitation. */
export async function registerOauthSandbox(_app: FastifyInstance, _context: SandboxContext): Promise<void> {}
