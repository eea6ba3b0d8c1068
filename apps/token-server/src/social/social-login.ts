import { TokenServerError } from '../errors.js';
import type { ConfiguredProvider } from './social-config.js';

/** `services.social`: the configured login platforms, by CloudBase `provider_id`. */
export class SocialLogin {
  readonly #providers: ReadonlyMap<string, ConfiguredProvider>;

  constructor(providers: ReadonlyMap<string, ConfiguredProvider>) {
    this.#providers = providers;
  }

  /** Every configured platform, in configuration order. */
  list(): ConfiguredProvider[] {
    return [...this.#providers.values()];
  }

  find(id: string): ConfiguredProvider | undefined {
    return this.#providers.get(id);
  }

  /** The platform for a request's `provider_id`; `invalid_request` naming it when none is configured. */
  require(id: string): ConfiguredProvider {
    const provider = this.#providers.get(id);
    if (!provider) {
      throw new TokenServerError(
        'invalid_request',
        `provider_id "${id.slice(0, 64)}" is not configured on this server`,
      );
    }
    return provider;
  }
}
