import type { Redis } from 'ioredis';
import type { RevocationBroadcast } from '../tokens/revoked-sessions.js';

const CHANNEL = 'lingpai:sessions:revoked';

/** Dead sids over Redis pub/sub, beside PostgreSQL's NOTIFY (which PgBouncer in transaction mode drops). */
export function createRedisRevocationBroadcast(publisher: Redis): RevocationBroadcast {
  return {
    async publish(sids) {
      await publisher.publish(CHANNEL, sids.join(','));
    },
    async subscribe(onSids) {
      const subscriber = publisher.duplicate();
      subscriber.on('error', () => undefined);
      subscriber.on('message', (channel: string, message: string) => {
        if (channel === CHANNEL) onSids(message.split(','));
      });
      await subscriber.subscribe(CHANNEL);
      return async () => {
        subscriber.disconnect();
      };
    },
  };
}
