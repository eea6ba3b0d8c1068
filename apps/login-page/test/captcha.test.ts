import { describe, expect, it } from 'vitest';
import { CAPTCHA_EVENT, type CaptchaRequest, obtainCaptchaToken } from '../src/captcha.js';

const options = (target: EventTarget, signal = new AbortController().signal) => ({
  locale: 'en',
  container: {} as HTMLElement,
  signal,
  target,
});

describe('the captcha hook (event form)', () => {
  it('answers null when nobody takes the event', async () => {
    await expect(obtainCaptchaToken('verification', options(new EventTarget()))).resolves.toBeNull();
  });

  it('a listener that takes the event answers with the token, once', async () => {
    const target = new EventTarget();
    const seen: string[] = [];
    target.addEventListener(CAPTCHA_EVENT, (event) => {
      const { detail } = event as CustomEvent<CaptchaRequest>;
      seen.push(detail.action);
      event.preventDefault();
      queueMicrotask(() => {
        detail.respond('captcha-token-1');
        detail.respond('ignored-second-answer');
      });
    });
    await expect(obtainCaptchaToken('password', options(target))).resolves.toBe('captcha-token-1');
    expect(seen).toEqual(['password']);
  });

  it('cancel, an empty token or an abort give null', async () => {
    const cancelling = new EventTarget();
    cancelling.addEventListener(CAPTCHA_EVENT, (event) => {
      event.preventDefault();
      (event as CustomEvent<CaptchaRequest>).detail.cancel();
    });
    await expect(obtainCaptchaToken('verification', options(cancelling))).resolves.toBeNull();

    const empty = new EventTarget();
    empty.addEventListener(CAPTCHA_EVENT, (event) => {
      event.preventDefault();
      (event as CustomEvent<CaptchaRequest>).detail.respond('');
    });
    await expect(obtainCaptchaToken('verification', options(empty))).resolves.toBeNull();

    const silent = new EventTarget();
    silent.addEventListener(CAPTCHA_EVENT, (event) => event.preventDefault());
    const controller = new AbortController();
    const pending = obtainCaptchaToken('verification', options(silent, controller.signal));
    controller.abort();
    await expect(pending).resolves.toBeNull();
  });
});
