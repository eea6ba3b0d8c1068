import { computeTwilioSignature } from '@lingpai/auth-core';
import { describe, expect, it } from 'vitest';
import {
  ALIYUN_REPORT_RESPONSE,
  DeliveryReportError,
  parseDeliveryReport,
  parseSmppReceipt,
  TENCENT_REPORT_RESPONSE,
} from '../src/index.js';

function thrown(run: () => unknown): DeliveryReportError {
  try {
    run();
  } catch (error) {
    if (error instanceof DeliveryReportError) return error;
    throw error;
  }
  throw new Error('expected a DeliveryReportError');
}

describe('parseDeliveryReport: Aliyun', () => {
  it('reads the documented SmsReport example and answers {"code":0,"msg":"接收成功"}', () => {
    // help.aliyun.com/document_detail/101867 (reference §3.1), masked digits as published.
    const body =
      '[{"phone_number":"1381111****","send_time":"2017-01-01 00:00:00","report_time":"2017-01-01 00:00:00",' +
      '"success":true,"err_code":"DELIVERED","err_msg":"用户接收成功","sms_size":"1","biz_id":"12345********","out_id":"67890**"}]';
    const { reports, response } = parseDeliveryReport('aliyun', { method: 'POST', url: '/dlr', body });
    expect(response).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"code":0,"msg":"接收成功"}',
    });
    expect(ALIYUN_REPORT_RESPONSE).toBe(response.body);
    expect(reports).toHaveLength(1);
    expect({ ...reports[0] }).toEqual({
      provider: 'aliyun',
      messageId: '12345********',
      status: 'delivered',
      providerStatus: 'DELIVERED',
      doneAt: new Date('2016-12-31T16:00:00Z'),
      reference: '67890**',
    });
    // The raw record is there but never serialized.
    expect(reports[0]?.raw).toMatchObject({ biz_id: '12345********' });
    expect(JSON.stringify(reports[0])).not.toContain('phone_number');
  });

  it('reads failures, several reports per push, and the international shape', () => {
    const { reports } = parseDeliveryReport('aliyun', {
      method: 'POST',
      url: '/dlr',
      body: [
        {
          phone_number: '13800138000',
          success: false,
          err_code: 'MK:0001',
          err_msg: '失败',
          biz_id: 'b1',
          out_id: '',
        },
        {
          To: '85212345678',
          Status: '6',
          ErrorCode: 'EXPIRED',
          MessageId: 'm2',
          ReceiveDate: '2020-01-01 08:00:00',
        },
      ],
    });
    expect(reports.map((report) => [report.messageId, report.status, report.errorCode, report.to])).toEqual([
      ['b1', 'failed', 'MK:0001', '+8613800138000'],
      ['m2', 'expired', 'EXPIRED', '+85212345678'],
    ]);
  });

  it('refuses a body that is not JSON with DLR_MALFORMED (status 400)', () => {
    const error = thrown(() => parseDeliveryReport('aliyun', { method: 'POST', url: '/', body: 'not json' }));
    expect(error.code).toBe('DLR_MALFORMED');
    expect(error.status).toBe(400);
  });
});

describe('parseDeliveryReport: Tencent', () => {
  it('reads the documented callback and answers {"result":0,"errmsg":"OK"}', () => {
    // cloud.tencent.com/document/product/382/5807 (reference §3.2).
    const body =
      '[{"user_receive_time":"2015-10-17 08:03:04","nationcode":"86","mobile":"13xxxxxxxxx",' +
      '"report_status":"SUCCESS","errmsg":"DELIVRD","description":"用户短信送达成功","sid":"xxxxxxx"}]';
    const { reports, response } = parseDeliveryReport('tencent', { method: 'POST', url: '/', body });
    expect(response.body).toBe('{"result":0,"errmsg":"OK"}');
    expect(TENCENT_REPORT_RESPONSE).toBe(response.body);
    expect({ ...reports[0] }).toEqual({
      provider: 'tencent',
      messageId: 'xxxxxxx',
      status: 'delivered',
      providerStatus: 'SUCCESS',
      doneAt: new Date('2015-10-17T00:03:04Z'),
    });
  });

  it('maps FAIL to failed with the errmsg as the error code', () => {
    const { reports } = parseDeliveryReport('tencent', {
      method: 'POST',
      url: '/',
      body: '[{"nationcode":"86","mobile":"13800138000","report_status":"FAIL","errmsg":"MK:0005","description":"x","sid":"s1"}]',
    });
    expect(reports[0]).toMatchObject({ status: 'failed', errorCode: 'MK:0005', to: '+8613800138000' });
  });
});

describe('parseDeliveryReport: Twilio', () => {
  it('checks X-Twilio-Signature with the docs worked example (then finds no MessageSid)', () => {
    // Twilio docs "Webhooks security" (reference §2.4, vector H).
    const body =
      'CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212';
    const request = {
      method: 'POST',
      url: '/myapp.php?foo=1&bar=2',
      headers: { 'X-Twilio-Signature': '0/KCTR6DLpKmkAf8muzZqo1nDgQ=' },
      body,
    };
    const twilio = { authToken: '12345', publicUrl: 'https://mycompany.com' };
    expect(thrown(() => parseDeliveryReport('twilio', request, { twilio })).code).toBe('DLR_MALFORMED');
    const forged = { ...request, body: body.replace('Digits=1234', 'Digits=1235') };
    const error = thrown(() => parseDeliveryReport('twilio', forged, { twilio }));
    expect(error.code).toBe('DLR_SIGNATURE_INVALID');
    expect(error.status).toBe(403);
  });

  it('reads a signed status callback, its reference and error code', () => {
    const url = 'https://app.example.com/dlr/twilio?reference=order-9';
    const params = {
      AccountSid: 'AC1',
      MessageSid: 'SM1',
      MessageStatus: 'undelivered',
      ErrorCode: '30003',
      To: '+14155550100',
      RawDlrDoneDate: '2401021530',
    };
    const { reports, response } = parseDeliveryReport(
      'twilio',
      {
        method: 'POST',
        url: '/dlr/twilio?reference=order-9',
        headers: { 'x-twilio-signature': computeTwilioSignature('token', url, params) },
        body: new URLSearchParams(params).toString(),
      },
      { twilio: { authToken: 'token', publicUrl: 'https://app.example.com/' } },
    );
    expect(response.status).toBe(204);
    expect({ ...reports[0] }).toEqual({
      provider: 'twilio',
      messageId: 'SM1',
      to: '+14155550100',
      status: 'failed',
      providerStatus: 'undelivered',
      errorCode: '30003',
      doneAt: new Date('2024-01-02T15:30:00Z'),
      reference: 'order-9',
    });
  });

  it('refuses to read Twilio reports without the auth token and public URL', () => {
    expect(thrown(() => parseDeliveryReport('twilio', { method: 'POST', url: '/', body: '' })).code).toBe(
      'DLR_CONFIG_INVALID',
    );
  });
});

describe('parseDeliveryReport: Mocean, Vonage, Huawei', () => {
  it('reads a Mocean DLR form (PUT or POST)', () => {
    const { reports, response } = parseDeliveryReport('mocean', {
      method: 'PUT',
      url: '/dlr',
      body: 'mocean-from=LINGPAI&mocean-to=60123456789&mocean-dlr-status=3&mocean-msgid=CPASS_1&mocean-error-code=5',
    });
    expect(response).toMatchObject({ status: 200, body: 'OK' });
    expect(reports[0]).toMatchObject({
      messageId: 'CPASS_1',
      status: 'expired',
      errorCode: '5',
      to: '+60123456789',
    });
  });

  it('reads the Vonage docs receipt example', () => {
    // Vonage delivery-receipts page (reference §2.6).
    const body =
      '{"err-code":"0","message-timestamp":"2018-10-25 12:10:29","messageId":"0B00000127FDBC63","msisdn":"447547232824",' +
      '"network-code":"23410","price":"0.03330000","scts":"1810251310","status":"delivered","to":"Nexmo CLI"}';
    const { reports } = parseDeliveryReport('vonage', {
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect({ ...reports[0] }).toEqual({
      provider: 'vonage',
      messageId: '0B00000127FDBC63',
      to: '+447547232824',
      status: 'delivered',
      providerStatus: 'delivered',
      doneAt: new Date('2018-10-25T13:10:00Z'),
    });
  });

  it('reads a Vonage GET receipt from the query string', () => {
    const { reports } = parseDeliveryReport('vonage', {
      method: 'GET',
      url: '/dlr?messageId=AB&msisdn=447547232824&status=rejected&err-code=6&client-ref=r1',
    });
    expect(reports[0]).toMatchObject({ status: 'failed', errorCode: '6', reference: 'r1' });
  });

  it('reads a Huawei status report form', () => {
    const { reports } = parseDeliveryReport('huawei', {
      method: 'POST',
      url: '/',
      body: 'smsMsgId=abc_1&total=1&sequence=1&status=DELIVRD&source=2&updateTime=2024-05-01T10%3A00%3A00Z&to=%2B8613800138000',
    });
    expect({ ...reports[0] }).toEqual({
      provider: 'huawei',
      messageId: 'abc_1',
      to: '+8613800138000',
      status: 'delivered',
      providerStatus: 'DELIVRD',
      doneAt: new Date('2024-05-01T10:00:00Z'),
    });
  });
});

describe('SMPP receipts', () => {
  it('parses the SMPP 3.4 Appendix B format, case-insensitively, text to the end', () => {
    expect(
      parseSmppReceipt(
        'id:0123456789 sub:001 dlvrd:001 submit date:2401021530 done date:2401021531 stat:DELIVRD err:000 Text:Hello: world',
      ),
    ).toEqual({
      id: '0123456789',
      sub: '001',
      dlvrd: '001',
      submitDate: '2401021530',
      doneDate: '2401021531',
      stat: 'DELIVRD',
      err: '000',
      text: 'Hello: world',
    });
    expect(parseSmppReceipt('no receipt here')).toBeUndefined();
  });

  it('turns a relayed receipt into a report; message_state fills a missing stat', () => {
    const { reports } = parseDeliveryReport('smpp', {
      method: 'POST',
      url: '/',
      body: {
        short_message: 'id:77 sub:001 dlvrd:000 done date:2401021531 err:012',
        message_state: 5,
        source_addr: '8613800138000',
      },
    });
    expect(reports[0]).toMatchObject({
      messageId: '77',
      status: 'failed',
      providerStatus: 'UNDELIV',
      errorCode: '012',
      to: '+8613800138000',
    });
  });

  it('refuses an unknown provider name', () => {
    const error = thrown(() =>
      parseDeliveryReport('nope' as 'aliyun', { method: 'POST', url: '/', body: '[]' }),
    );
    expect(error.code).toBe('DLR_UNSUPPORTED_PROVIDER');
  });
});
