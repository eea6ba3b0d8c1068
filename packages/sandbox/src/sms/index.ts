import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../sandbox-context.js';

/** Registers every SMS provider imitation. */
export async function registerSmsSandbox(_app: FastifyInstance, _context: SandboxContext): Promise<void> {}
