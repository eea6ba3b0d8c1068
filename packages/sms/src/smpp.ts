// `@lingpai/sms/smpp`: the SMPP provider, on its own entry point so that the main entry never loads
// the `smpp` package (an optional peer dependency: install it only if you send over SMPP).
export type { SmppProvider, SmppProviderOptions, SmppReconnectOptions } from './providers/smpp.js';
export { createSmppProvider } from './providers/smpp.js';
