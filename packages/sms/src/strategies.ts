import type { SmsRequest } from './message.js';
import type { SmsProvider } from './provider.js';
import { SmsError } from './sms-error.js';

/**
 * Decides which providers to try for one message, in order. The sender tries the first, and fails
 * over down the list when the error allows. Return an empty list for "no provider serves this
 * recipient" (`SMS_NO_ROUTE`). Factories return a fresh strategy with its own state (rotation
 * counters), so one strategy object belongs to one sender.
 */
export type SmsStrategy = (providers: readonly SmsProvider[], request: SmsRequest) => readonly SmsProvider[];

/**
 * Provider names a built-in strategy was configured with, so `SmsSender` can refuse a name that
 * matches none of its providers: a typo in a route or a weight would otherwise route nothing, or
 * silently weigh 1, at the first message instead of at start-up.
 */
const referencedNames = new WeakMap<SmsStrategy, { factory: string; names: readonly string[] }>();

/** Internal: the names a built-in strategy refers to (undefined for custom strategies). */
export function strategyReferences(
  strategy: SmsStrategy,
): { factory: string; names: readonly string[] } | undefined {
  return referencedNames.get(strategy);
}

/** Tries providers in the order given. */
export function orderedStrategy(): SmsStrategy {
  return (providers) => providers;
}

/** A random order per message (Fisher–Yates). `random` returns a float in [0, 1). */
export function randomStrategy(options: { random?: () => number } = {}): SmsStrategy {
  const random = options.random ?? Math.random;
  return (providers) => {
    const order = [...providers];
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as SmsProvider, order[i] as SmsProvider];
    }
    return order;
  };
}

/** Each message starts one provider further along; failover continues around the ring. */
export function roundRobinStrategy(): SmsStrategy {
  let next = 0;
  return (providers) => {
    if (providers.length === 0) return providers;
    const start = next % providers.length;
    next = (next + 1) % Number.MAX_SAFE_INTEGER;
    return [...providers.slice(start), ...providers.slice(0, start)];
  };
}

/**
 * Smooth weighted round-robin (the nginx algorithm): with weights `{ a: 5, b: 1, c: 1 }` seven
 * messages go a a b a c a a, never five in a row. The pick comes first; failover continues with the
 * rest by descending weight. Providers without a weight get `defaultWeight` (1); weight 0 means
 * "failover only".
 */
export function weightedRoundRobinStrategy(
  weights: Readonly<Record<string, number>>,
  options: { defaultWeight?: number } = {},
): SmsStrategy {
  const defaultWeight = options.defaultWeight ?? 1;
  for (const [name, weight] of Object.entries(weights)) {
    if (!Number.isFinite(weight) || weight < 0) {
      throw new SmsError('SMS_CONFIG_INVALID', `weight for ${name} must be a finite number >= 0`);
    }
  }
  if (!Number.isFinite(defaultWeight) || defaultWeight < 0) {
    throw new SmsError('SMS_CONFIG_INVALID', '`defaultWeight` must be a finite number >= 0');
  }
  const current = new Map<string, number>();
  const weightOf = (provider: SmsProvider) =>
    weights[provider.name] ?? weights[provider.kind] ?? defaultWeight;
  const strategy: SmsStrategy = (providers) => {
    let total = 0;
    let best: SmsProvider | undefined;
    let bestCurrent = Number.NEGATIVE_INFINITY;
    for (const provider of providers) {
      const weight = weightOf(provider);
      if (weight <= 0) continue;
      const value = (current.get(provider.name) ?? 0) + weight;
      current.set(provider.name, value);
      total += weight;
      if (value > bestCurrent) {
        bestCurrent = value;
        best = provider;
      }
    }
    if (best === undefined) return providers;
    current.set(best.name, bestCurrent - total);
    const chosen = best;
    const rest = providers
      .filter((provider) => provider !== chosen)
      .sort((a, b) => weightOf(b) - weightOf(a));
    return [chosen, ...rest];
  };
  referencedNames.set(strategy, { factory: 'weightedRoundRobinStrategy', names: Object.keys(weights) });
  return strategy;
}

export interface CountryRoutingOptions {
  /**
   * Provider names per destination. Keys are country calling codes (`'+86'`), ISO regions (`'HK'`)
   * or `'*'` for every other number. A region key wins over a calling-code key (`'CA'` over `'+1'`).
   * Example: `{ '+86': ['aliyun', 'tencent'], '*': ['twilio'] }`.
   */
  routes: Readonly<Record<string, readonly string[]>>;
  /** Orders the providers of the chosen route (round-robin among Aliyun and Tencent, say). Default: as listed. */
  within?: SmsStrategy;
}

/** Routes by the recipient's country; a recipient with no route gets `SMS_NO_ROUTE`. */
export function countryStrategy(options: CountryRoutingOptions): SmsStrategy {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.routes !== 'object' ||
    options.routes === null
  ) {
    throw new SmsError(
      'SMS_CONFIG_INVALID',
      "countryStrategy: `routes` is missing — pass { routes: { '+86': ['aliyun'], '*': ['twilio'] } }",
    );
  }
  const within = options.within ?? orderedStrategy();
  for (const [key, names] of Object.entries(options.routes)) {
    if (!Array.isArray(names) || names.some((name) => typeof name !== 'string')) {
      throw new SmsError(
        'SMS_CONFIG_INVALID',
        `countryStrategy: route ${JSON.stringify(key)} must be a list of provider names`,
      );
    }
    if (key !== '*' && !/^\+[1-9][0-9]{0,3}$/.test(key) && !/^[A-Z]{2}$/.test(key)) {
      throw new SmsError(
        'SMS_CONFIG_INVALID',
        `route key ${JSON.stringify(key)} is not +<calling code>, a region, or *`,
      );
    }
  }
  const strategy: SmsStrategy = (providers, request) => {
    const routes = options.routes;
    const region = request.to.region;
    const names =
      (region !== undefined && Object.hasOwn(routes, region) ? routes[region] : undefined) ??
      (Object.hasOwn(routes, `+${request.to.countryCallingCode}`)
        ? routes[`+${request.to.countryCallingCode}`]
        : undefined) ??
      (Object.hasOwn(routes, '*') ? routes['*'] : undefined) ??
      [];
    const byName = new Map(providers.map((provider) => [provider.name, provider]));
    const chosen = names.flatMap((name) => {
      const provider = byName.get(name);
      return provider === undefined ? [] : [provider];
    });
    return chosen.length === 0 ? chosen : within(chosen, request);
  };
  referencedNames.set(strategy, {
    factory: 'countryStrategy',
    names: [...new Set(Object.values(options.routes).flat())],
  });
  return strategy;
}

/** Names accepted by `SmsSenderOptions.strategy` for the built-in strategies. */
export type SmsStrategyName = 'ordered' | 'random' | 'round-robin';

export function strategyByName(name: SmsStrategyName): SmsStrategy {
  switch (name) {
    case 'ordered':
      return orderedStrategy();
    case 'random':
      return randomStrategy();
    case 'round-robin':
      return roundRobinStrategy();
    default:
      throw new SmsError(
        'SMS_CONFIG_INVALID',
        `Unknown strategy ${typeof name === 'string' ? JSON.stringify(name) : typeof name}: use 'ordered', 'random' or 'round-robin', or pass a strategy function`,
      );
  }
}
