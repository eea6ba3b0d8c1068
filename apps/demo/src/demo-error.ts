/** Why the demo stopped, with a stable code and a message that names the fix. */
export type DemoErrorCode = 'DEMO_BAD_SETTING' | 'DEMO_PORT_IN_USE' | 'DEMO_STEP_FAILED';

export class DemoError extends Error {
  readonly code: DemoErrorCode;

  constructor(code: DemoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DemoError';
    this.code = code;
  }
}
