import { describe, expect, it } from 'vitest';
import { createConsoleProvider, createMemoryProvider, parsePhoneNumber, SmsSender } from '../src/index.js';

describe('memory provider', () => {
  it('captures messages and reads back the latest code per recipient', async () => {
    const memory = createMemoryProvider();
    const sender = new SmsSender({ providers: [memory] });
    await sender.send({ to: '+8613800138000', template: { id: 'SMS_1', params: { code: '111111' } } });
    await sender.send({ to: '+8613800138001', template: { id: 'T', params: ['222222', '5'] } });
    await sender.send({ to: '+8613800138000', content: 'Your code is 333333, valid 5 minutes' });
    expect(memory.lastCode('+8613800138000')).toBe('333333');
    expect(memory.lastCode('+8613800138001')).toBe('222222');
    expect(memory.last()?.to).toBe('+8613800138000');
    expect(memory.messages).toHaveLength(3);
    expect(memory.messages[0]).toMatchObject({ templateId: 'SMS_1', params: { code: '111111' } });
    memory.clear();
    expect(memory.last()).toBeUndefined();
  });

  it('finds a recipient written with spaces or 00 (the doc promised E.164 comparison; it compared the raw text)', async () => {
    const memory = createMemoryProvider();
    await new SmsSender({ providers: [memory] }).send({ to: '+8613800138000', content: 'code 424242' });
    expect(memory.lastCode('+86 138 0013 8000')).toBe('424242');
    expect(memory.last('008613800138000')?.to).toBe('+8613800138000');
    expect(memory.last('+8613800138001')).toBeUndefined();
  });

  it('simulates failures for the caller’s own error handling', async () => {
    const memory = createMemoryProvider();
    memory.failNext('SMS_RATE_LIMITED', 2);
    const to = parsePhoneNumber('+12015550123');
    await expect(memory.send({ to, content: 'a' })).rejects.toMatchObject({ code: 'SMS_RATE_LIMITED' });
    await expect(memory.send({ to, content: 'b' })).rejects.toMatchObject({ code: 'SMS_RATE_LIMITED' });
    await expect(memory.send({ to, content: 'c' })).resolves.toMatchObject({ to: '+12015550123' });
  });

  it('keeps at most `limit` messages', async () => {
    const memory = createMemoryProvider({ limit: 2 });
    const to = parsePhoneNumber('+12015550123');
    for (const content of ['1', '2', '3']) await memory.send({ to, content });
    expect(memory.messages.map((message) => message.text)).toEqual(['2', '3']);
  });
});

describe('console provider', () => {
  it('prints the rendered text, or the template id and params', async () => {
    const lines: string[] = [];
    const provider = createConsoleProvider({ log: (line) => lines.push(line) });
    const to = parsePhoneNumber('+8613800138000');
    await provider.send({
      to,
      signName: '令牌',
      template: { id: 'T', content: '验证码{{code}}', params: { code: '4321' } },
    });
    await provider.send({ to, template: { id: 'SMS_1', params: { code: '8765' } } });
    expect(lines).toEqual([
      '[sms:console] to +8613800138000 【令牌】 验证码4321',
      '[sms:console] to +8613800138000 template SMS_1 {"code":"8765"}',
    ]);
  });
});
